/** Splits `registry/repo:tag@sha256:…` so a deploy can set the tag without touching the rest. */
export interface ImageRef {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImage(image: string): ImageRef {
  const [name = '', digest] = image.split('@');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest };
  return { repository: name, tag: undefined, digest };
}

export function withTag(image: string, tag: string): string {
  return `${parseImage(image).repository}:${tag}`;
}
