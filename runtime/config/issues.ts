import type { z } from 'zod';

/** One line per problem, naming the field: `config field 'a.b': expected ...`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : '(root)';
      return `config field '${field}': ${i.message}`;
    })
    .join('\n');
}
