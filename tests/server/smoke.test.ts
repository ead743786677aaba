// The server starts on a real SQLite file, serves over HTTP, and knows its demo users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from './harness.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('server', () => {
  it('signs a demo user in and tells who they are', async () => {
    const c = await s.as('dongping.secretary');
    const me = await c.auth.me.query();
    expect(me?.user.username).toBe('dongping.secretary');
    expect(me?.villages.map((v) => v.id)).toEqual(['dongping']);
  });
  it('refuses a wrong password and anonymous calls that need a user', async () => {
    expect((await errorOf(s.anonymous().auth.login.mutate({ username: 'dongping.clerk', password: 'nope' }))).code).toBe('UNAUTHORIZED');
    expect((await errorOf(s.anonymous().tasks.inbox.query())).code).toBe('UNAUTHORIZED');
  });
  it('shows the seeded instances in the inbox of the role they wait on', async () => {
    // dongping.party4 has not voted yet on the road matter waiting at the party members' ballot.
    const inbox = await (await s.as('dongping.party4')).tasks.inbox.query();
    expect(inbox.map((t) => [t.instanceId, t.state])).toContainEqual(['demo-dongping-road', 'party_members_meeting']);
    const reviewer = await (await s.as('qs.reviewer')).tasks.inbox.query();
    expect(reviewer.map((t) => t.state)).toContain('township_review');
  });
});

describe('store.flowVersionsOf', () => {
  it('names the flow version each instance runs on, and leaves out ids that do not exist', async () => {
    const instances = await s.store.listInstances({ townshipId: 'qingshan', limit: 20 });
    expect(instances.length).toBeGreaterThan(3);
    const versions = await s.store.flowVersionsOf([...instances.map((i) => i.id), 'no-such-instance']);
    expect(versions).toEqual(new Map(instances.map((i) => [i.id, i.flowVersionId])));
    expect(await s.store.flowVersionsOf([])).toEqual(new Map());
  });
});
