/** What WordPress says about itself in `User-Agent: WordPress/6.5.2; https://example.org`. */
export interface WordPressAgent {
  wpVersion?: string;
  siteUrl?: string;
}

const WP_UA = /^WordPress\/([0-9A-Za-z.+-]{1,32})(?:;\s*(https?:\/\/[^\s;]{1,300}))?/;

export function parseWordPressAgent(userAgent: string | undefined): WordPressAgent {
  const m = userAgent ? WP_UA.exec(userAgent) : null;
  return m ? { wpVersion: m[1], siteUrl: m[2] } : {};
}
