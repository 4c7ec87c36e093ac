/**
 * Deployment checks: the Kubernetes manifests under {@code k8s/} parse into the typed
 * Kubernetes model and agree with the application's configuration.
 */
@NullMarked
package dev.userprofiles.deploy;

import org.jspecify.annotations.NullMarked;
