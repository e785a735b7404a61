import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the AWS chain will find credentials, in words; the values themselves are never read out. */
export interface CredentialSource {
  kind: 'env' | 'profile' | 'shared-file' | 'web-identity' | 'container' | 'instance-metadata';
  /** e.g. `environment (AWS_ACCESS_KEY_ID)`, `profile backup in ~/.aws/credentials`. */
  description: string;
  /** Explicit credentials from the environment, handed to the SDK (runtime env may differ from process.env in tests). */
  env?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
}

async function hasSection(path: string, names: string[]): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return names.some((n) => new RegExp(`^\\s*\\[\\s*${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]`, 'm').test(text));
}

/**
 * findCredentialSource follows the AWS SDK's default chain in its order (environment, shared
 * files with AWS_PROFILE or `default`, web identity, container, instance metadata) and says
 * which one will answer; the last one is only a guess (it cannot be checked offline).
 */
export async function findCredentialSource(env: Record<string, string | undefined>, home: string): Promise<CredentialSource> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      kind: 'env',
      description: `environment (AWS_ACCESS_KEY_ID${env.AWS_SESSION_TOKEN ? ', AWS_SESSION_TOKEN' : ''})`,
      env: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
    };
  }
  const profile = env.AWS_PROFILE || 'default';
  const credFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const confFile = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const inCred = await hasSection(credFile, [profile]);
  const inConf = await hasSection(confFile, profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`]);
  if (inCred || inConf) {
    const file = inCred ? credFile : confFile;
    return env.AWS_PROFILE
      ? { kind: 'profile', description: `profile ${profile} in ${file} (AWS_PROFILE)`, profile }
      : { kind: 'shared-file', description: `profile default in ${file}` };
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return { kind: 'web-identity', description: 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)' };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return { kind: 'container', description: 'container credentials endpoint (ECS/EKS)' };
  return { kind: 'instance-metadata', description: 'none found in the environment or ~/.aws; the SDK will try instance metadata (EC2)' };
}
