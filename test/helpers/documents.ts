// Config documents tests write more than once.

/**
 * A Fargate TaskDefinition (awsvpc, 256 CPU units, 512 MiB) with one container running
 * `image`; `containerLines` are YAML added to the container (indented six spaces),
 * `specLines` to the spec (two spaces).
 */
export function fargateTaskDefinition(doc: { name: string; container?: string; image: string; containerLines?: string; specLines?: string }): string {
  return `apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata:
  name: ${doc.name}
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - name: ${doc.container ?? doc.name}
      image: ${doc.image}
${doc.containerLines ?? ''}${doc.specLines ?? ''}`;
}
