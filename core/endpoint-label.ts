import type { DestinationEndpoint, SourceEndpoint } from './model.js';

/**
 * An endpoint in the words every renderer uses (`frontend/client`, `service backend/db`, an IP),
 * so leg ends and drop explanations match the formatters' own labels.
 */
export function endpointLabel(ref: SourceEndpoint | DestinationEndpoint | undefined): string | undefined {
  if (!ref) return undefined;
  switch (ref.kind) {
    case 'pod':
      return `${ref.namespace}/${ref.name}`;
    case 'service':
      return `service ${ref.namespace}/${ref.name}`;
    case 'ip':
      return ref.ip;
  }
}
