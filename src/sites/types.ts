import type { AuthUser } from '../auth/types.js';

/** A registered WordPress site as the panel shows it: secrets are never part of this shape. */
export interface Site {
  id: number;
  name: string;
  /** Normalised http(s) base URL, no trailing slash. */
  url: string;
  isMultisite: boolean;
  hasLicenseKey: boolean;
  hasMultisiteCredentials: boolean;
  /** Last four characters of the license key, for recognition; null when there is none or it is shorter than 16 characters. */
  licenseKeyHint: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Decrypted secrets of a site, only for building outbound requests. Never logged, never returned. */
export interface SiteSecrets {
  licenseKey: string | null;
  multisiteUser: string | null;
  multisitePassword: string | null;
}

/** What the remote and multisite features need from the sites feature. */
export interface SiteAccess {
  /** The site if `user` may act on it; throws NotFoundError (no such site) or ForbiddenError (not assigned). */
  getForUser(user: AuthUser, siteId: number): Promise<Site>;
  /** The site's decrypted secrets (license key from license_activations, multisite credentials). */
  getSecrets(siteId: number): Promise<SiteSecrets>;
}
