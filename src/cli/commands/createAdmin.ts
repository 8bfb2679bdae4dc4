import { loadSecretKey } from '../../sites/secretKey.js';
import { AuditLog } from '../../audit/log.js';
import { newPasswordSchema, usernameSchema } from '../../auth/schemas.js';
import { UserService } from '../../auth/users.js';
import { AppError } from '../../errors.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand } from '../command.js';
import { openCliContext } from '../context.js';
import { readSecretLine } from '../readSecret.js';

/** create-admin <username>: adds an administrator account to the panel database. */
export const createAdminCommand: CliCommand = {
  name: 'create-admin',
  usage: '<username>',
  summary: 'Create a panel administrator.',
  details:
    'The password is read from the CLI_PASSWORD environment variable, or else from stdin\n' +
    '(first line; prompted without echo on a terminal). It is never taken from the command line.\n' +
    'Uses the same DATA_DIR / DATABASE_URL as the server.',
  async run(args, io) {
    if (args.length !== 1) throw new UsageError('create-admin takes exactly one argument: the username.');
    const username = usernameSchema.safeParse(args[0]);
    if (!username.success) throw new UsageError(`Invalid username: ${username.error.issues[0]?.message}.`);

    const password = io.env.CLI_PASSWORD ?? (await readSecretLine(io, 'Password for the new admin: '));
    const checked = newPasswordSchema.safeParse(password);
    if (!checked.success) {
      io.stderr.write(`Invalid password: ${checked.error.issues[0]?.message}.\n`);
      return EXIT_FAILURE;
    }

    const ctx = await openCliContext(io);
    try {
      // The audit row is chained under the server's key, loaded as the server loads it.
      const key = loadSecretKey({ secretKey: ctx.config.secretKey, dataDir: ctx.config.dataDir, shared: ctx.db.dialect === 'postgres' }, ctx.log);
      const users = new UserService(ctx.db, new AuditLog(ctx.db, key));
      const user = await users.create({ username: username.data, password: checked.data, role: 'admin' }, { user: null, via: 'cli' });
      io.stderr.write(`Created admin "${user.username}" (id ${user.id}).\n`);
      return EXIT_OK;
    } catch (err) {
      if (err instanceof AppError) {
        io.stderr.write(`${err.message}\n`);
        return EXIT_FAILURE;
      }
      throw err;
    } finally {
      await ctx.close();
    }
  },
};
