// Package deploy holds the tests of the operator's kit in this directory:
// the container image (image/build) and the Kubernetes manifests
// (kubernetes/). It is a module of its own so that the Kubernetes API
// types its tests decode the manifests with stay out of teegate's own
// dependencies. scripts/test runs it.
package deploy
