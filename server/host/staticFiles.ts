// The built web app's files. Villagers open the public board on phones over village networks, so
// text files go out gzip-compressed (compressed once per file and kept), and the hashed files of
// /assets/ are cached by the browser for good: a new build gives them new names. index.html and
// the client-side routes that return it are revalidated on every visit, so a new build shows up.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
/** Already compressed formats, or too small to gain: sent as they are. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg']);
const MIN_COMPRESS_BYTES = 1024;

interface Loaded {
  /** The file's size and mtime when read: a rebuild in place is noticed. */
  stamp: string;
  raw: Buffer;
  gzip: Buffer | null;
}

export interface StaticFiles {
  /** Answers a GET or HEAD for `pathname`: the file, or index.html for a client-side route. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): void;
}

export function staticFiles(webRoot: string): StaticFiles {
  const cache = new Map<string, Loaded>();

  function load(file: string): Loaded {
    const stat = statSync(file);
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const kept = cache.get(file);
    if (kept?.stamp === stamp) return kept;
    const raw = readFileSync(file);
    const gzip = COMPRESSIBLE.has(extname(file)) && raw.length >= MIN_COMPRESS_BYTES ? gzipSync(raw, { level: 9 }) : null;
    const loaded = { stamp, raw, gzip: gzip && gzip.length < raw.length ? gzip : null };
    cache.set(file, loaded);
    return loaded;
  }

  return {
    serve(req, res, pathname) {
      const refuse = (status: number) => {
        res.statusCode = status;
        res.end();
      };
      let path: string;
      try {
        path = decodeURIComponent(pathname);
      } catch {
        return refuse(400);
      }
      // NUL cannot be in a file name, a backslash is no separator of a URL, and a '%' left after
      // decoding is a second encoding: none is a file or a route of the app.
      if (/[\0\\%]/.test(path)) {
        return refuse(400);
      }
      let file = resolve(webRoot, '.' + path);
      // Contained means a path relative to the root that does not climb out of it: a prefix test
      // would let a sibling folder whose name starts with the root's (dist/web-x) through.
      const inside = relative(webRoot, file);
      if (inside === '..' || inside.startsWith('..' + sep) || isAbsolute(inside)) {
        return refuse(404);
      }
      if (!existsSync(file) || statSync(file).isDirectory()) file = join(webRoot, 'index.html');
      let loaded: Loaded;
      try {
        loaded = load(file);
      } catch {
        // A file that vanishes between the check and the read (a rebuild) is not an error of the server.
        return refuse(404);
      }
      const hashed = file.startsWith(join(webRoot, 'assets') + '/');
      res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('Vary', 'Accept-Encoding');
      const gzip = loaded.gzip && acceptsGzip(req) ? loaded.gzip : null;
      if (gzip) res.setHeader('Content-Encoding', 'gzip');
      const body = gzip ?? loaded.raw;
      res.setHeader('Content-Length', body.length);
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

/** Whether Accept-Encoding lists gzip (or *) without refusing it with q=0. */
function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
