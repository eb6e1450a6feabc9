/**
 * What code needs to know about the CustomResourceDefinitions in crds/ beyond the kinds
 * themselves: the Kubernetes extension that carries their cross-field rules. The build
 * script that derives schemas from the CRDs and the loader that validates against them
 * both read it here.
 */

/** Kubernetes' cross-field validation rules, written in CEL; kept in the derived schemas for the loader to run. */
export const CEL_RULES = 'x-kubernetes-validations';
