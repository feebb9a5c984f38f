/**
 * The Pod Security Standards "restricted" profile as Terraform structs,
 * shared by every workload this program runs.
 */

/** Pod-level: non-root with a fixed UID/GID and the runtime's seccomp profile. */
export function restrictedPodSecurityContext(uid: number) {
  const id = String(uid);
  return {
    runAsNonRoot: true,
    runAsUser: id,
    runAsGroup: id,
    fsGroup: id,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level: no privilege, no escalation, no capabilities, read-only root filesystem. */
export function restrictedContainerSecurityContext() {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
