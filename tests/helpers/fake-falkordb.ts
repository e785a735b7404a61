import { FakeClock } from './fake-clock.js';
import type { RedisPort } from '../../src/core/falkordb/connection.js';
export { FakeClock } from './fake-clock.js';
import { FalkorCommandError } from '../../src/core/falkordb/falkor-errors.js';

const reply = (command: string, text: string) => new FalkorCommandError(`rejected ${command}: ${text}`, command, text);

/**
 * A scripted stand-in for the persistence commands of Redis: BGSAVE forks a "save" that
 * finishes after `saveMs` of fake time, an AOF rewrite blocks BGSAVE (unless SCHEDULE), and
 * LASTSAVE only moves on success, as in redis/src/rdb.c.
 */
export class FakeRedis implements RedisPort {
  readonly where = 'fake:6379';
  nowMs = 1_700_000_000_400;
  lastsave = 1_699_999_000;
  status: 'ok' | 'err' = 'ok';
  saveMs = 300;
  failNextSave = false;
  saving: number | undefined;
  aofRewriteMs = 0;
  aofScheduled = 0;
  scheduledSave = false;
  closed = false;
  calls: string[] = [];
  config = new Map<string, string>([
    ['auto-aof-rewrite-percentage', '100'],
    ['appendonly', 'no'],
  ]);
  /** Extra replies by command line (`'GRAPH.LIST'`), a value or an error to throw. */
  replies = new Map<string, unknown>();

  advance(ms: number): void {
    this.nowMs += ms;
    if (this.saving !== undefined) {
      this.saving -= ms;
      if (this.saving <= 0) this.finishSave();
    }
    if (this.aofRewriteMs > 0) {
      this.aofRewriteMs = Math.max(0, this.aofRewriteMs - ms);
      // Redis starts a scheduled BGSAVE from serverCron once the AOF child has exited.
      if (this.aofRewriteMs === 0 && this.scheduledSave) {
        this.scheduledSave = false;
        this.saving = this.saveMs;
      }
    } else if (this.aofScheduled > 0) {
      this.aofScheduled = 0;
    }
  }

  private finishSave(): void {
    this.saving = undefined;
    this.status = this.failNextSave ? 'err' : 'ok';
    if (!this.failNextSave) this.lastsave = Math.floor(this.nowMs / 1000);
    this.failNextSave = false;
  }

  infoText(): string {
    return [
      '# Persistence',
      'loading:0',
      `rdb_bgsave_in_progress:${this.saving === undefined ? 0 : 1}`,
      `rdb_last_save_time:${this.lastsave}`,
      `rdb_last_bgsave_status:${this.status}`,
      'rdb_last_bgsave_time_sec:0',
      `aof_rewrite_in_progress:${this.aofRewriteMs > 0 ? 1 : 0}`,
      `aof_rewrite_scheduled:${this.aofScheduled > 0 ? 1 : 0}`,
      '',
      '# Server',
      'redis_version:7.2.4',
      'executable:/usr/local/bin/redis-server',
    ].join('\r\n');
  }

  async call(command: string, ...args: string[]): Promise<unknown> {
    const line = [command, ...args].join(' ');
    this.calls.push(line);
    if (this.replies.has(line)) {
      const r = this.replies.get(line);
      if (r instanceof Error) throw r;
      return r;
    }
    switch (command.toUpperCase()) {
      case 'PING':
        return 'PONG';
      case 'LASTSAVE':
        return this.lastsave;
      case 'TIME':
        return [String(Math.floor(this.nowMs / 1000)), String((this.nowMs % 1000) * 1000)];
      case 'INFO':
        return this.infoText();
      case 'BGSAVE':
        if (this.saving !== undefined) throw reply('BGSAVE', 'ERR Background save already in progress');
        if (this.aofRewriteMs > 0) {
          if (args[0] !== 'SCHEDULE') throw reply('BGSAVE', 'ERR Another child process is active (AOF?)');
          this.scheduledSave = true;
          return 'Background saving scheduled';
        }
        this.saving = this.saveMs;
        return 'Background saving started';
      case 'CONFIG': {
        const name = args[1] ?? '';
        if (args[0] === 'GET') return this.config.has(name) ? [name, this.config.get(name)] : [];
        if (!this.config.has(name)) throw reply('CONFIG SET', `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
        this.config.set(name, args[2] ?? '');
        return 'OK';
      }
      case 'DBSIZE':
        return 42;
      default:
        throw reply(command.toUpperCase(), `ERR unknown command '${command}', with args beginning with: `);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A fake server and a clock wired together, so waiting lets the server's background work progress. */
export function fakeWorld(): { redis: FakeRedis; clock: FakeClock } {
  const redis = new FakeRedis();
  const clock = new FakeClock((ms) => redis.advance(ms));
  return { redis, clock };
}
