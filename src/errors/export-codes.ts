import { defineErrorCodes } from './define.js';

/** User-facing errors of `ecs-gitops export` (adopting live services into manifests). */
export const EXPORT_ERROR_CODES = defineErrorCodes({
  EXPORT_CLUSTER_NOT_FOUND: {
    title: 'the cluster given to export does not exist (or is INACTIVE) in that Region',
    hint: 'Check --cluster and --region (or AWS_REGION); `aws ecs list-clusters` shows the names.',
  },
  EXPORT_SERVICE_NOT_FOUND: {
    title: 'the service given to export does not exist (or is being deleted) in that cluster',
    hint: 'Check --service; the message suggests the closest service name in the cluster.',
  },
  EXPORT_FILE_EXISTS: {
    title: 'export would overwrite manifest files that already exist',
    hint: 'Nothing was written. Choose another --out directory, or pass --force to overwrite.',
  },
  EXPORT_NOT_IN_SYNC: {
    title: 'an exported manifest does not read back in sync with the live service',
    hint: 'The file was written; the message lists the fields that differ. Edit them by hand before committing, and report the case.',
  },
  EXPORT_MANIFESTS_INVALID: {
    title: 'export --env reads the environment from the manifests under --out, and they have problems',
    hint: 'Nothing was read from AWS or written. The problems are printed above; fix them (`ecs-gitops validate` on the --out directory) and export again.',
  },
  EXPORT_WRITE_FAILED: {
    title: 'an exported manifest could not be written',
    hint: 'Check that the --out directory is writable.',
  },
});
