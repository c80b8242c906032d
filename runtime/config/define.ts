import type { z } from 'zod';
import type { CoreConfigInput } from './schema.ts';
import type { SectionSchemas } from './compose.ts';

/** What a config file may write: the core's fields plus the sections of the features `S` describes. */
export type ConfigInputOf<S extends SectionSchemas> = Omit<CoreConfigInput, 'listeners'> & {
  [K in keyof S as K extends `listeners.${string}` ? never : K]?: z.input<S[K]>;
} & {
  listeners?: CoreConfigInput['listeners'] & { [K in keyof S as K extends `listeners.${infer L}` ? L : never]?: z.input<S[K]> };
};
