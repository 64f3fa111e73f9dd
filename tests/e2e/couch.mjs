// The sync tests' CouchDB-compatible peer: pouchdb-server from npm on
// 127.0.0.1 at a free port, with an admin (so sessions and wrong
// passwords behave as on CouchDB) and a project database whose members
// are the test annotators. CORS with credentials is pouchdb-server's
// default (it echoes the page's origin), as CouchDB's
// [cors] origins/credentials settings give.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support.mjs';

export const ADMIN = { name: 'admin', password: 'secret' };
export const USERS = [
  { name: 'anna', password: 'pw-anna', display: '安娜' },
  { name: 'bo', password: 'pw-bo', display: '柏' },
];

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

const auth = 'Basic ' + Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString('base64');

/**
 * Starts the peer. `persistent`: data in a LevelDB directory, so a stop
 * and a start keep it (the offline test); otherwise in memory.
 * Resolves to { url, admin(method, path, body), stop(), start(), close() }.
 */
export async function startCouch({ persistent = false, database = 'project' } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'annotator-couch-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child = null;
  const admin = async (method, path, body, headers = { authorization: auth }) => {
    const r = await fetch(`${url}/${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  const start = async () => {
    const args = persistent ? ['--dir', join(dir, 'data')] : ['--in-memory'];
    child = spawn(join(ROOT, 'tests/e2e/node_modules/.bin/pouchdb-server'), [...args, '--host', '127.0.0.1', '--port', String(port)], {
      cwd: dir,
      stdio: 'ignore',
    });
    for (let i = 0; i < 200; i++) {
      const up = await fetch(url).then(() => true, () => false);
      if (up) return;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`pouchdb-server did not answer on ${url}`);
  };
  const stop = async () => {
    if (!child) return;
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await exited;
    child = null;
  };
  await start();
  // The first admin ends the "admin party": sessions need a password.
  await admin('PUT', '_config/admins/admin', JSON.stringify(ADMIN.password), {});
  for (const u of USERS) {
    await admin('PUT', `_users/org.couchdb.user:${u.name}`, { name: u.name, password: u.password, roles: [], type: 'user' });
  }
  await admin('PUT', database);
  await admin('PUT', `${database}/_security`, {
    admins: { names: [], roles: [] },
    members: { names: USERS.map((u) => u.name), roles: [] },
  });
  return {
    url,
    database,
    admin,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the sync panel of `page` and starts syncing as `user`. */
export async function startSync(page, couch, user, { password = user.password } = {}) {
  if (!(await page.$('[data-dialog="sync"]'))) await page.click('[data-action="sync"]');
  await page.fill('[data-sync="url"]', couch.url);
  await page.fill('[data-sync="database"]', couch.database);
  await page.fill('[data-sync="user"]', user.name);
  await page.fill('[data-sync="password"]', password);
  await page.fill('[data-sync="name"]', user.display);
  await page.click('[data-action="sync-start"]');
}

export const syncStatus = (page) => page.getAttribute('#app', 'data-sync-status');

export async function waitForStatus(page, status, timeout = 20_000) {
  await page.waitForSelector(`#app[data-sync-status="${status}"]`, { timeout });
}
