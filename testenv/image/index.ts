// berth's own image for tests: build it (once per source) and run commands or rendered containers
// in it with podman. See README "berth's image".
export { BERTH_VERSION, buildImage, DEV_IMAGE, IMAGE, imageIsCurrent, pgClientMajor, runImage } from './build.ts';
export { containerEnv } from './container-env.ts';
export { imageExists, podman, podmanInstalled } from './podman.ts';
export { podmanRunArgs, runContainer, runInImage, startInImage, type ImageRun, type Mount, type RunInImageOptions, type Started } from './run.ts';
