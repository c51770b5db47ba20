/**
 * `npm start` with DISCORD_TOKEN and DISCORD_SHARDS: the sharding parent. It holds the data folder's lock for
 * all its shards (a second npm start on the same folder is refused, as with one bot; none with DATABASE_URL),
 * builds the index when there is none (so the shards do not all build it at once), asks Discord how many
 * shards it recommends (`auto`; DISCORD_API_URL's GET /gateway/bot, where discord.js's own `auto` would ask
 * discord.com whatever the config says) and how many may identify at once, then runs one bot process per
 * shard (src/discord/shard-supervisor.ts) until SIGINT/SIGTERM, which it passes on to every shard.
 */
import { Routes, type REST, type RESTGetAPIGatewayBotResult } from 'discord.js';
import { requireDiscordToken, type App } from '../app.ts';
import { lockForBot } from '../adapters/data-folder-lock.ts';
import type { CommandContext } from '../cli/run-main.ts';
import { UserError } from '../core/errors.ts';
import { scrubSecrets } from '../core/redact-secrets.ts';
import { describeBuild } from '../indexing/describe-build.ts';
import { TOKEN_REJECTED_HINT, UNREACHABLE_HINT, type BotProcess } from './run-bot.ts';
import { superviseShards, type ShardPlan } from './shard-supervisor.ts';

export async function shardsCommand({ app }: CommandContext, proc: Pick<BotProcess, 'once'> = process): Promise<number> {
  const { config, logger } = app;
  const token = requireDiscordToken(config);
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    proc.once(signal, () => {
      logger.info({ signal }, 'received a stop signal: stopping every shard');
      stop.abort();
    });
  }
  const lock = lockForBot(config);
  try {
    await buildIndexIfMissing(app);
    if (stop.signal.aborted) return 0;
    const plan = await planShards(app.discordRest(), config.discord.shards ?? 'auto', token);
    if (plan.count < plan.recommended) {
      logger.warn({ shards: plan.count, recommended: plan.recommended }, `DISCORD_SHARDS=${plan.count} is fewer shards than the ${plan.recommended} Discord recommends: it may refuse the connection (close code 4011)`);
    }
    logger.info({ shards: plan.count, recommended: plan.recommended, maxConcurrency: plan.maxConcurrency }, `starting ${plan.count} shard processes`);
    const code = await superviseShards({ token, plan, logger, graceMs: config.discord.shutdownGraceMs, stop: stop.signal });
    logger.info({ code }, 'every shard has stopped');
    return code;
  } finally {
    lock?.release();
  }
}

/** The shard count (DISCORD_SHARDS, or Discord's recommendation for `auto`) and how many shards may identify at once. */
export async function planShards(rest: REST, setting: 'auto' | number, token: string): Promise<ShardPlan> {
  let gateway: RESTGetAPIGatewayBotResult;
  try {
    gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  } catch (error) {
    const reason = scrubSecrets(error instanceof Error ? error.message : String(error), [token]);
    const hint = /401|unauthori[sz]ed/i.test(reason) ? TOKEN_REJECTED_HINT : UNREACHABLE_HINT;
    throw new UserError('E_DISCORD_LOGIN', `Could not ask Discord how to shard the bot (${reason}): ${hint}.`, { cause: error });
  }
  return {
    count: setting === 'auto' ? gateway.shards : setting,
    recommended: gateway.shards,
    maxConcurrency: Math.max(1, gateway.session_start_limit.max_concurrency),
  };
}

async function buildIndexIfMissing(app: App): Promise<void> {
  if ((await (await app.indexBackend()).catalog.current()) !== null) return;
  app.logger.info({}, `No index yet: building it from ${app.config.corpusDir} before starting the shards …`);
  for (const line of describeBuild(await app.buildIndex())) app.logger.info({}, line);
}
