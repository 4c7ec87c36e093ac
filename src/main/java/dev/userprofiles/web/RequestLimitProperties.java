package dev.userprofiles.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits on what a request to the HTTP API may carry.
 *
 * @param maxRequestBody largest request body accepted; larger ones get 413
 */
@ConfigurationProperties("profiles.web")
@Validated
record RequestLimitProperties(@DefaultValue("16KB") DataSize maxRequestBody) {

}
