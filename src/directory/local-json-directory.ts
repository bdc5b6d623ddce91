/**
 * The local adapter of the directory port: a JSON file
 * `{ "users": [ { "aadObjectId", "name", "email", "pilot", "teams": [] } ] }` (shared spec domain.md).
 */
import fs from 'node:fs';
import { z } from 'zod';
import { DirectorySnapshot } from './directory.js';

const directoryFileSchema = z.object({
  users: z.array(
    z.object({
      aadObjectId: z.string().min(1),
      name: z.string().min(1),
      email: z.string().email(),
      pilot: z.boolean().default(false),
      teams: z.array(z.string().min(1)).default([]),
    }),
  ),
});

/** Raised when the directory file cannot be read; the message names the file and each problem. */
export class DirectoryFileError extends Error {
  constructor(file: string, problems: string[]) {
    super(`directory file ${file}: ${problems.join('; ')}`);
    this.name = 'DirectoryFileError';
  }
}

/** Parses directory JSON text; `source` names it in messages. */
export function parseDirectoryJson(text: string, source: string): DirectorySnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DirectoryFileError(source, [`not valid JSON (${(error as Error).message})`]);
  }
  const parsed = directoryFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DirectoryFileError(
      source,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const problems: string[] = [];
  const seenIds = new Set<string>();
  const seenEmails = new Set<string>();
  parsed.data.users.forEach((user, index) => {
    if (seenIds.has(user.aadObjectId.toLowerCase()))
      problems.push(`users.${index}.aadObjectId: duplicate "${user.aadObjectId}"`);
    if (seenEmails.has(user.email.toLowerCase()))
      problems.push(`users.${index}.email: duplicate "${user.email}"`);
    seenIds.add(user.aadObjectId.toLowerCase());
    seenEmails.add(user.email.toLowerCase());
  });
  if (problems.length > 0) throw new DirectoryFileError(source, problems);
  return new DirectorySnapshot(source, parsed.data.users);
}

/** Loads the directory from a JSON file. */
export function loadJsonDirectory(file: string): DirectorySnapshot {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DirectoryFileError(file, [
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message,
    ]);
  }
  return parseDirectoryJson(text, file);
}
