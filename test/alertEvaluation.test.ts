import { alertKit, pause, useAlertKit } from './support/alertKit';
import { startTestApp, type TestApp } from './support/testApp';

// Evaluation (api.md §9 "Evaluation"): which points make which events, seen end to end from
// posted points to what a webhook receiver gets. Every rule has its own data source and path.
const { tenant, receiver, kit } = useAlertKit();
const threshold30 = { threshold: 30, operator: '>' } as const;
const secondsFrom = (start: Date, seconds: number) => new Date(start.getTime() + seconds * 1000);

describe('threshold rules', () => {
  it('sends alert.triggered once while the rule keeps firing within its cooldown', async () => {
    const rule = await kit.createRule('/once', 'temperature > 30', { cooldownMinutes: 60 });
    const point = await kit.post(rule, { temperature: 31.5 }, { metadata: { site: 'north' } });
    const { payload, received } = await kit.expectWebhook(rule, 1, {
      type: 'alert.triggered',
      currentValue: 31.5,
      ...threshold30,
      dataPoint: point,
    });
    expect(point.metadata).toEqual({ site: 'north' });

    await kit.post(rule, { temperature: 35 });
    await kit.post(rule, { temperature: 40 });
    await kit.expectNoMoreWebhooks(rule, 1);

    const state = await kit.getRule(rule.id);
    expect(state).toMatchObject({ status: 'active', state: 'firing', lastTriggeredAt: payload.data.triggeredAt, lastResolvedAt: null });
    const { deliveries, pagination } = await kit.listDeliveries(rule.id);
    expect(pagination.total).toBe(1);
    expect(deliveries[0]).toMatchObject({ _id: payload.webhookId, alertRuleId: rule.id, type: 'alert.triggered', status: 'succeeded' });
    const delivery = await kit.settledDelivery(rule.id, payload.webhookId, 'succeeded');
    expect(delivery).toMatchObject({ attemptCount: 1, lastStatusCode: 204, lastError: null, nextAttemptAt: null });
    expect(delivery.body).toBe(received.body);
    expect(delivery.attempts).toEqual([{ at: expect.any(String), statusCode: 204, durationMs: expect.any(Number), error: null }]);
  });

  it('sends alert.triggered again once the cooldown has elapsed (fractional cooldownMinutes)', async () => {
    const cooldownMs = 1200;
    const rule = await kit.createRule('/cooldown', 'temperature exceeds 30', { cooldownMinutes: cooldownMs / 60_000 });
    const first = await kit.post(rule, { temperature: 31 });
    const { payload } = await kit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 31, ...threshold30, dataPoint: first });

    // Still within the cooldown: evaluated, but nothing is sent and lastTriggeredAt stays.
    await kit.post(rule, { temperature: 32 });
    await kit.evaluated();
    expect((await kit.getRule(rule.id)).lastTriggeredAt).toBe(payload.data.triggeredAt);

    // Cooldown is wall-clock time since the trigger, so only waiting it out can show a repeat.
    await pause(Date.parse(payload.data.triggeredAt as string) + cooldownMs + 50 - Date.now());
    const third = await kit.post(rule, { temperature: 33 });
    const repeat = await kit.expectWebhook(rule, 2, { type: 'alert.triggered', currentValue: 33, ...threshold30, dataPoint: third });
    expect(repeat.payload.webhookId).not.toBe(payload.webhookId);
    expect(Date.parse(repeat.payload.data.triggeredAt as string) - Date.parse(payload.data.triggeredAt as string)).toBeGreaterThanOrEqual(
      cooldownMs,
    );
    await kit.expectNoMoreWebhooks(rule, 2);
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'firing', lastTriggeredAt: repeat.payload.data.triggeredAt });
    expect((await kit.listDeliveries(rule.id)).deliveries.map((d: { _id: string }) => d._id)).toEqual([
      repeat.payload.webhookId,
      payload.webhookId,
    ]);
  });

  it('sends alert.resolved once, on the first point that no longer matches', async () => {
    const rule = await kit.createRule('/resolve', 'temperature > 30', { cooldownMinutes: 60 });
    const hot = await kit.post(rule, { temperature: 45 });
    await kit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 45, ...threshold30, dataPoint: hot });
    const cool = await kit.post(rule, { temperature: 20 });
    const { payload, received } = await kit.expectWebhook(rule, 2, {
      type: 'alert.resolved',
      currentValue: 20,
      ...threshold30,
      dataPoint: cool,
    });
    await kit.post(rule, { temperature: 19 });
    await kit.post(rule, { humidity: 50 }); // no temperature: not evaluated by this rule
    await kit.expectNoMoreWebhooks(rule, 2);

    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'ok', lastResolvedAt: payload.data.resolvedAt });
    const delivery = await kit.settledDelivery(rule.id, payload.webhookId, 'succeeded');
    expect(delivery).toMatchObject({ type: 'alert.resolved', attemptCount: 1, body: received.body });
  });

  it('evaluates a batch in timestamp order, whatever order it was posted in', async () => {
    const rule = await kit.createRule('/batch-order', 'temperature > 30', { cooldownMinutes: 60 });
    const start = new Date(Date.now() - 60_000);
    // Posted newest first. In timestamp order: 31 triggers, 35 keeps firing, 20 resolves;
    // in posted order 20 would do nothing and only a trigger would be sent.
    const [resolving, triggering] = await kit.postBatch(rule, [
      { values: { temperature: 20 }, timestamp: secondsFrom(start, 2) },
      { values: { temperature: 31 }, timestamp: start },
      { values: { temperature: 35 }, timestamp: secondsFrom(start, 1) },
    ]);
    const received = await receiver().waitFor('/batch-order', 2);
    const payloads = received.map((request) => kit.verify(request, rule.secret));
    const triggered = payloads.find((payload) => payload.type === 'alert.triggered');
    const resolved = payloads.find((payload) => payload.type === 'alert.resolved');
    kit.expectPayload(triggered as never, rule, {
      type: 'alert.triggered',
      currentValue: 31,
      ...threshold30,
      dataPoint: triggering ?? null,
    });
    kit.expectPayload(resolved as never, rule, { type: 'alert.resolved', currentValue: 20, ...threshold30, dataPoint: resolving ?? null });
    await kit.expectNoMoreWebhooks(rule, 2);
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'ok' });
  });

  it('does not let a point older than the newest evaluated one change the state', async () => {
    const rule = await kit.createRule('/late', 'temperature > 30', { cooldownMinutes: 60 });
    const start = new Date(Date.now() - 60_000);
    const hot = await kit.post(rule, { temperature: 31 }, { timestamp: start });
    const { payload } = await kit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 31, ...threshold30, dataPoint: hot });
    // A newer matching point changes nothing (within the cooldown) but is the newest evaluated...
    await kit.post(rule, { temperature: 32 }, { timestamp: secondsFrom(start, 10) });
    // ...so these, older than it (one even older than the trigger), would resolve if evaluated.
    await kit.post(rule, { temperature: 20 }, { timestamp: secondsFrom(start, 5) });
    await kit.post(rule, { temperature: 10 }, { timestamp: secondsFrom(start, -5) });
    await kit.expectNoMoreWebhooks(rule, 1);
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'firing', lastTriggeredAt: payload.data.triggeredAt, lastResolvedAt: null });

    const current = await kit.post(rule, { temperature: 20 }, { timestamp: secondsFrom(start, 11) });
    await kit.expectWebhook(rule, 2, { type: 'alert.resolved', currentValue: 20, ...threshold30, dataPoint: current });
  });
});

describe("points without the rule's field", () => {
  it('make no later-arriving point with the field late, however new they are', async () => {
    const rule = await kit.createRule('/other-field', 'temperature > 30', { cooldownMinutes: 60 });
    const start = new Date(Date.now() - 60_000);
    await kit.post(rule, { humidity: 50 }, { timestamp: secondsFrom(start, 5) });
    const hot = await kit.post(rule, { temperature: 99 }, { timestamp: secondsFrom(start, 3) });
    await kit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 99, ...threshold30, dataPoint: hot });
  });
});

describe('late points through another instance', () => {
  const env = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_IPS: '127.0.0.1', WEBHOOK_POLL_INTERVAL_MS: '50' };
  let other: TestApp;
  beforeAll(async () => {
    other = await startTestApp(env);
  });
  afterAll(() => other.close());
  const otherKit = alertKit(() => other, tenant, receiver);

  it('do not flip a rule, though that instance never evaluated the newer point', async () => {
    const rule = await kit.createRule('/late-elsewhere', 'temperature > 30', { cooldownMinutes: 60 });
    await kit.post(rule, { temperature: 20 });
    await kit.evaluated();
    // The other instance's view of the rule starts from the database, which has no newer point evaluated.
    await otherKit.post(rule, { temperature: 31 }, { timestamp: new Date(Date.now() - 60_000) });
    await otherKit.expectNoMoreWebhooks(rule, 0);
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'ok', lastTriggeredAt: null });

    const current = await otherKit.post(rule, { temperature: 32 });
    await otherKit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 32, ...threshold30, dataPoint: current });
  });
});

describe('"for" durations', () => {
  it('is pending on the first matching point and fires once point timestamps span the duration', async () => {
    const rule = await kit.createRule('/for-points', 'temperature is above 30 for 2 seconds', { cooldownMinutes: 60 });
    // Timestamps a minute ahead of the clock: the sweeper (which measures the duration up to
    // now) cannot fire this rule during the test, so only the points' timestamps can.
    const start = new Date(Date.now() + 60_000);
    await kit.post(rule, { temperature: 31 }, { timestamp: start });
    await kit.evaluated();
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'pending', lastTriggeredAt: null });
    await kit.post(rule, { temperature: 32 }, { timestamp: secondsFrom(start, 1.5) });
    await kit.expectNoMoreWebhooks(rule, 0, 200);
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'pending' });

    const spanning = await kit.post(rule, { temperature: 33 }, { timestamp: secondsFrom(start, 2) });
    const { payload } = await kit.expectWebhook(rule, 1, {
      type: 'alert.triggered',
      currentValue: 33,
      ...threshold30,
      dataPoint: spanning,
    });
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'firing', lastTriggeredAt: payload.data.triggeredAt });
    await kit.expectNoMoreWebhooks(rule, 1);
  });

  it('fires through the sweeper when the condition has held for the duration and no newer point comes', async () => {
    // 2 s leave the pending state plenty of time to be seen before the sweeper fires it.
    const rule = await kit.createRule('/for-sweeper', 'temperature > 30 for 2 seconds', { cooldownMinutes: 60 });
    const point = await kit.post(rule, { temperature: 31 });
    await kit.evaluated();
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'pending' });
    const { payload } = await kit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 31, ...threshold30, dataPoint: point });
    expect(Date.parse(payload.data.triggeredAt as string) - Date.parse(point.timestamp)).toBeGreaterThanOrEqual(2000);
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'firing', lastTriggeredAt: payload.data.triggeredAt });
    await kit.expectNoMoreWebhooks(rule, 1);
  });

  it('is not cancelled by newer points that do not carry the field; the sweeper fires on the newest that does', async () => {
    const rule = await kit.createRule('/for-other-field', 'temperature > 30 for 1 second', { cooldownMinutes: 60 });
    const hot = await kit.post(rule, { temperature: 31, humidity: 40 });
    await kit.post(rule, { humidity: 41 }); // says nothing about temperature
    const { payload } = await kit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 31, ...threshold30, dataPoint: hot });
    expect(Date.parse(payload.data.triggeredAt as string) - Date.parse(hot.timestamp)).toBeGreaterThanOrEqual(1000);
  });

  it('returns to ok without any webhook when a point stops matching while pending', async () => {
    const rule = await kit.createRule('/for-cleared', 'temperature > 30 for 2 seconds');
    const first = await kit.post(rule, { temperature: 31 });
    await kit.evaluated();
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'pending' });
    await kit.post(rule, { temperature: 29 });
    await kit.evaluated();
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'ok' });
    // Had the rule stayed pending, the sweeper (every 100 ms) would fire it 2 s after the
    // first point: wait past that, by three sweeps.
    await kit.expectNoMoreWebhooks(rule, 0, Date.parse(first.timestamp) + 2000 + 300 - Date.now());
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'ok', lastTriggeredAt: null });
    expect((await kit.listDeliveries(rule.id)).deliveries).toEqual([]);
  });
});

describe('no-data rules', () => {
  const nulls = { currentValue: null, threshold: null, operator: null } as const;

  it('fires through the sweeper after the silence, then resolves when a point arrives', async () => {
    const rule = await kit.createRule('/no-data', 'no data for 1 seconds', { cooldownMinutes: 60 });
    const { createdAt } = await kit.getRule(rule.id);
    const { payload } = await kit.expectWebhook(rule, 1, { type: 'alert.triggered', ...nulls, dataPoint: null });
    // Silence counts from when the rule was armed, a moment before its createdAt.
    expect(Date.parse(payload.data.triggeredAt as string) - Date.parse(createdAt)).toBeGreaterThanOrEqual(950);
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'firing', lastTriggeredAt: payload.data.triggeredAt });

    const point = await kit.post(rule, { temperature: 12 });
    const resolved = await kit.expectWebhook(rule, 2, { type: 'alert.resolved', ...nulls, dataPoint: point });
    expect(await kit.getRule(rule.id)).toMatchObject({ state: 'ok', lastResolvedAt: resolved.payload.data.resolvedAt });
    // Resolved once. The silence may start again and fire a new alert.triggered 1 s after
    // the point; that one is fine, a second alert.resolved would not be.
    await kit.evaluated();
    await pause(300);
    const types = receiver()
      .received.filter((r) => r.path === rule.path)
      .map((r) => kit.verify(r, rule.secret).type);
    expect(types.filter((type) => type === 'alert.resolved')).toHaveLength(1);
  });

  it('counts silence from the newest point by timestamp, and reports that point ("no readings for …")', async () => {
    const rule = await kit.createRule('/no-readings', 'no readings for 1 seconds');
    const recent = await kit.post(rule, { humidity: 40 });
    await kit.post(rule, { temperature: 7 }, { timestamp: new Date(Date.now() - 3_600_000) }); // a backfill, stored last
    const { payload } = await kit.expectWebhook(rule, 1, { type: 'alert.triggered', ...nulls, dataPoint: recent });
    expect(Date.parse(payload.data.triggeredAt as string) - Date.parse(recent.timestamp)).toBeGreaterThanOrEqual(1000);
  });
});

describe('paused rules', () => {
  it('are not evaluated; once resumed they are again, starting from ok', async () => {
    const rule = await kit.createRule('/paused', 'temperature > 30', { cooldownMinutes: 60 });
    await kit.post(rule, { temperature: 20 }); // evaluated while active
    await kit.evaluated();
    expect(await kit.patchRule(rule.id, { status: 'paused' })).toMatchObject({ status: 'paused', state: 'ok' });
    await kit.post(rule, { temperature: 31 });
    await kit.expectNoMoreWebhooks(rule, 0);
    expect(await kit.getRule(rule.id)).toMatchObject({ status: 'paused', state: 'ok', lastTriggeredAt: null });

    expect(await kit.patchRule(rule.id, { status: 'active' })).toMatchObject({ status: 'active', state: 'ok' });
    // At once: the resume refreshed this instance's rule cache (ALERT_RULE_CACHE_MS is 1 s).
    const point = await kit.post(rule, { temperature: 32 });
    await kit.expectWebhook(rule, 1, { type: 'alert.triggered', currentValue: 32, ...threshold30, dataPoint: point });
    expect(await kit.getRule(rule.id)).toMatchObject({ status: 'active', state: 'firing' });
  });
});
