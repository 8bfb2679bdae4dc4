import { describe, expect, it } from 'vitest';
import { networkFailure } from '../../src/multisite/networkApi.js';
import type { OutboundResponse } from '../../src/outbound/index.js';

const answer = (status: number, json: unknown): OutboundResponse => ({ status, headers: {}, body: Buffer.from(json === undefined ? '<html>' : JSON.stringify(json)), json });

/** What a network's error answer means for the panel, whatever dialect the plugin speaks. */
describe('networkFailure', () => {
  it.each<[string, number, unknown, 'list' | 'create' | 'delete', number, string]>([
    ['WordPress rest_forbidden 401', 401, { code: 'rest_forbidden', message: 'Sorry, you are not allowed to do that.', data: { status: 401 } }, 'list', 403, 'site_forbidden'],
    ['clean 403', 403, { id: 'forbidden', message: 'Invalid Username or Password' }, 'create', 403, 'site_forbidden'],
    ['original plugin: 400 with id 403', 400, { id: 403, message: 'Invalid Username or Password' }, 'delete', 403, 'site_forbidden'],
    ['original plugin: 400 with the message only', 400, { id: 'x', message: "You don't have permission to manage sites" }, 'list', 403, 'site_forbidden'],
    ['404 for a missing site', 404, { id: 'site_not_found', message: 'No such site.' }, 'delete', 404, 'subsite_not_found'],
    ['fork: 400 "does not exist" on delete', 400, { error: 'The site you are trying to delete does not exist.' }, 'delete', 404, 'subsite_not_found'],
    ['400 with a list of messages', 400, { id: 'invalid', message: ['Invalid domain', 'Invalid email'] }, 'create', 400, 'site_bad_request'],
    ['rest_no_route', 404, { code: 'rest_no_route', message: 'No route.', data: { status: 404 } }, 'list', 502, 'multisite_api_missing'],
    ['500 not_multisite', 500, { id: 'plugin_not_active', message: 'This plugin is not active' }, 'list', 502, 'site_error'],
    ['503 HTML', 503, undefined, 'list', 502, 'site_error'],
  ])('%s', (_name, status, json, call, panelStatus, code) => {
    const err = networkFailure(answer(status, json), call);
    expect(err.status).toBe(panelStatus);
    expect(err.code).toBe(code);
    expect(err.details).toEqual({ site_status: status });
  });

  it('joins message lists and keeps messages short and printable', () => {
    expect(networkFailure(answer(400, { id: 'invalid', message: ['Invalid domain', 'Invalid email'] }), 'create').message).toBe(
      'The network answered 400: Invalid domain; Invalid email',
    );
    const long = networkFailure(answer(400, { message: `bad\u0000${'x'.repeat(1000)}` }), 'create').message;
    expect(long.length).toBeLessThan(340);
    expect(long).not.toContain('\u0000');
  });
});
