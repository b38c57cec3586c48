/** Replaced at bundle time by the build script; the fallback serves tests run from source. */
declare const __BERTH_VERSION__: string | undefined;

export const BERTH_VERSION: string = typeof __BERTH_VERSION__ === 'string' ? __BERTH_VERSION__ : '0.0.0-dev';
