import { defineErrors } from '../../platform/errors/index.ts';

export const consoleErrors = defineErrors({
  CONSOLE_NOT_BUILT: {
    status: 503,
    title: 'The console has not been built',
    category: 'system',
    retryable: false,
    description:
      'Keel serves the console from `console/dist`, which `npm run build:console` writes (`npm start` builds it when it is missing). Build it, then reload; the API works without it.',
  },
  CONSOLE_FILE_NOT_FOUND: {
    status: 404,
    title: 'No such console file',
    category: 'user',
    retryable: false,
    description:
      'A path under `/console/` with a file extension names a built asset, and this one does not exist (an old tab after a rebuild loads the new `index.html` on reload).',
  },
});
