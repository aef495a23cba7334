import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';
import type { AppEnv } from '../env.js';
import { respondProblem } from '../problems/problem.js';

const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// The page finds the spec relative to its own script, so the app can be mounted under any base path.
const INIT_SCRIPT = `(() => {
  const here = new URL('.', document.currentScript.src);
  window.addEventListener('load', () => {
    window.ui = SwaggerUIBundle({
      url: new URL('../openapi.json', here).href,
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  });
})();
`;

/**
 * The docs page runs only this server's own scripts (Swagger UI's bundle and init.js, no inline script); Swagger UI
 * sets inline styles and uses data: images; it fetches openapi.json from this origin.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const page = (title: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/[<>&"]/g, '')}</title>
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/swagger-ui-standalone-preset.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

/**
 * `/docs`: Swagger UI, served from the swagger-ui-dist package on this machine (no CDN). `/docs/` redirects to
 * `/docs` so that the page's relative asset links resolve.
 */
export const registerDocs = (
  app: OpenAPIHono<AppEnv>,
  { title, assetsDir = getAbsoluteFSPath() }: { title: string; assetsDir?: string },
): void => {
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  const asset = async (name: string): Promise<Uint8Array<ArrayBuffer>> => {
    const cached = cache.get(name);
    if (cached) return cached;
    const bytes = new Uint8Array(await readFile(join(assetsDir, name)));
    cache.set(name, bytes);
    return bytes;
  };

  app.get('/docs', (c) =>
    c.html(page(title), 200, { 'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY }),
  );
  app.get('/docs/', (c) => c.redirect(c.req.path.replace(/\/$/, ''), 301));
  app.get('/docs/init.js', (c) =>
    c.body(INIT_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/docs/:asset', async (c) => {
    const name = c.req.param('asset');
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) return respondProblem(c, { code: 'not-found', detail: `no such docs asset` });
    try {
      const bytes = await asset(name);
      return c.body(bytes, 200, {
        'Content-Type': type,
        'Cache-Control': 'public, max-age=86400',
      });
    } catch (error) {
      c.get('logger').error({ err: error, asset: name }, 'swagger-ui asset unreadable');
      return respondProblem(c, { code: 'internal', detail: 'the docs assets are not installed' });
    }
  });
};
