/**
 * Which log lines read as errors, and which of them say nothing a step's name does not (docs/architecture.md,
 * "Why it failed"). The excerpt is chosen around the first telling error of the failed step, so that a
 * theme update that broke 58 builds shows the template error, not "exit code 1" 58 times.
 */

const ERROR_SHAPES: readonly RegExp[] = [
  // `Error: …`, `TypeError: …`, `error: …`, `ERROR …`, `fatal: …`, `panic: …`, `error[E0425]`, `error TS2304`
  /\b[A-Z][A-Za-z]{0,40}Error\b:?/,
  /^(?:\[[^\]]{1,40}\]\s*)?(?:error|fatal|panic|failure|failed)(?:\[[^\]]*\])?(?:[:!]|\s+[A-Z0-9]{2,}\d|\s)/i,
  /\b(?:ERROR|FATAL|FAILED|FAILURE)\b/,
  /\bError:/,
  /\b(?:fatal error|error|fatal):\s/i,
  /^npm (?:ERR!|error)\b/,
  /^\s*(?:✘|✖|×|❌|⨯)/u,
  /\b[A-Z][A-Za-z]{0,40}Exception\b/,
  /^Traceback \(most recent call last\)/,
  /\b(?:rsync|sftp|scp|ssh|curl|wget|lftp)(?:: | error:)/,
  /\bcurl: \(\d+\)/,
  /\bHTTP\/\d(?:\.\d)? [45]\d\d\b/,
  /\b[45]\d\d (?:Bad Request|Unauthorized|Forbidden|Not Found|Conflict|Payload Too Large|Request Entity Too Large|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b/i,
  /\b(?:Permission denied|Connection (?:refused|reset|timed out|closed)|No such file or directory|command not found|Could not resolve host|Host key verification failed|Authentication failed|not found in registry|Cannot find module|Module not found|out of memory|ENOSPC|EACCES|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|ECONNRESET)\b/i,
  /\b(?:failed to|unable to|could not|cannot)\b/i,
];

/** Errors that only say the step failed: the telling line is elsewhere (usually just above). */
const GENERIC_SHAPES: readonly RegExp[] = [
  /Process completed with exit code \d+/i,
  /^(?:error )?Command failed with exit code \d+/i,
  /^info Visit https:\/\/yarnpkg\.com/,
  /^npm (?:ERR!|error)\s*(?:$|code\s+E(?:LIFECYCLE|\d+)?$|errno\b|syscall\b|path\b|command\b|cwd\b|signal\b|A complete log of this run|Log files were not written|This is probably not a problem|Failed at the |Lifecycle script|Exit status|in workspace|at location|(?:Error: )?command failed|enoent This is related to|[ \t]*$)/,
  /ELIFECYCLE/,
  /^ERROR: Job failed(?: \(system failure\))?:/,
  /^make(?:\[\d+\])?: \*\*\* .*Error \d+/,
  /^Error: Process completed with exit code/,
  /^(?:The )?(?:build|script|step|job) (?:failed|exited|returned)(?: with)?(?: non-zero)? exit (?:code|status)/i,
  /^Build script returned non-zero exit code/i,
  /^Failing build: /i,
  /^\s*(?:Failed during stage|error Command failed)/i,
  /exited with (?:code|status) \d+\.?$/i,
];

const WARNING = /^(?:\[[^\]]{1,40}\]\s*)?(?:npm )?(?:WARN|warn|warning|Warning|DEPRECATION|deprecated)\b/;
const STACK_FRAME = /^\s+at\s+\S.*(?:\(.*:\d+(?::\d+)?\)|:\d+:\d+)$|^\s+File ".*", line \d+/;

/** What of a line is looked at: an error says so early, and a 100 KB line costs no more than this. */
const HEAD = 1_000;
const head = (text: string): string => (text.length > HEAD ? text.slice(0, HEAD) : text);

/** An error or a failure, whatever the tool: a warning, even one that mentions "error", is not. */
export const isErrorLine = (text: string): boolean => {
  const start = head(text);
  return !WARNING.test(start) && ERROR_SHAPES.some((shape) => shape.test(start));
};

export const isGenericError = (text: string): boolean => {
  const start = head(text);
  return GENERIC_SHAPES.some((shape) => shape.test(start));
};

/** A stack frame (`    at fn (file.js:1:2)`, Python's `  File "x.py", line 3`). */
export const isStackFrame = (text: string): boolean => STACK_FRAME.test(head(text));
