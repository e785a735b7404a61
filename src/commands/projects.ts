import { resolve } from 'node:path';
import { Command } from 'commander';
import type { App } from '../app.js';
import { PROJECTS_LIST } from '../cli-options.js';
import { createContext } from '../context.js';
import { listProjects } from '../core/projects/list-projects.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderProjects } from '../output/projects.js';

const schema = schemaOf(PROJECTS_LIST);

/** projectsCommand groups `projects list`: the target projects and their `.auto-codex/`. */
export function projectsCommand(app: App): Command {
  const cmd = new Command('projects').description("the target projects (--project, else the app's store/projects.json)");
  const list = new Command('list').description("list the target projects: .auto-codex/ size, specs, largest task_logs.json, newest project backup");
  addOptions(list, PROJECTS_LIST).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'projects list');
    const config = await ctx.config(flagOverrides(PROJECTS_LIST, options));
    const listing = await listProjects({
      projects: options.project.map((p) => resolve(app.runtime.cwd, p)),
      userdataDir: config.userdataDir,
      backupDir: config.backupDir,
    });
    ctx.printer.result(listing, () => renderProjects(listing));
  });
  return cmd.addCommand(list);
}
