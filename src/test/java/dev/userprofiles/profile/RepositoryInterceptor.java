package dev.userprofiles.profile;

import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * A bean source for {@code ServiceInstance.start} that puts an interceptor around the
 * instance's {@link UserProfileRepository}: how tests hold a database call at the point
 * where a race must happen.
 */
abstract class RepositoryInterceptor implements BeanPostProcessor, MethodInterceptor {

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!(bean instanceof UserProfileRepository)) {
			return bean;
		}
		ProxyFactory proxy = new ProxyFactory(bean);
		proxy.addAdvice(this);
		return proxy.getProxy();
	}

}
