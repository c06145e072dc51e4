/** The smallest valid Service manifest: the `validate` tests start from it, and the notifier tests load notifiers beside it. */
export const MINIMAL_SERVICE = `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: web, cluster: demo}
spec:
  taskDefinition:
    family: web
    containerDefinitions: [{name: web, image: nginx, memory: 128}]
`;
