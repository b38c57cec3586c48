/**
 * The field manager berth applies as. A module of its own, free of the Kubernetes client, so
 * pure code that names berth's managed kinds (the CI and admin page Roles, rendered by
 * `render --platform`) does not load the client with them.
 */
export const FIELD_MANAGER = 'berth';
