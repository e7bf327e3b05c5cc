import type { SecurityContext } from 'kubernetes-types/core/v1';

/**
 * Container securityContexts the charts share, so "unprivileged" is spelled the same everywhere.
 * A chart spreads one of these and adds its user; a privileged container sets its own (the API server
 * rejects allowPrivilegeEscalation: false next to privileged: true).
 */

/** A container that gains nothing: no privilege escalation, every capability dropped. */
export const NO_PRIVILEGES: SecurityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

/** {@link NO_PRIVILEGES} on a read-only root filesystem, for images that write nowhere (or only to mounted volumes). */
export const NO_PRIVILEGES_READ_ONLY_ROOT: SecurityContext = { ...NO_PRIVILEGES, readOnlyRootFilesystem: true };
