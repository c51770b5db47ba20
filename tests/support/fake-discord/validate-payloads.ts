/**
 * Discord's rules on what a bot sends that builders and types do not catch, checked the way Discord answers
 * them: each broken rule is one field error (path + code + message) of a 400 Invalid Form Body (50035).
 * Strings: no lone UTF-16 surrogate anywhere. Messages: unique `custom_id`s across all components, link
 * buttons with an http(s) or discord: URL of at most 512 characters, every button with a label or an emoji,
 * embed fields with a name and a value, a nonce of at most 25 characters. Threads: `auto_archive_duration` one
 * of 60/1440/4320/10080. Commands: `contexts` and `integration_types` from Discord's lists, and
 * `default_member_permissions` a string of digits (or null), never a number.
 */

export interface FormError {
  path: string;
  code: string;
  message: string;
}

export const formError = (path: string, code: string, message: string): FormError => ({ path, code, message });
const required = (path: string): FormError => formError(path, 'BASE_TYPE_REQUIRED', 'This field is required');
const choices = (path: string, allowed: readonly number[]): FormError =>
  formError(path, 'BASE_TYPE_CHOICES', `Value must be one of {${allowed.join(', ')}}.`);

/** Lone surrogates, in every string of a parsed JSON body (keys included), with the path of each. */
export function loneSurrogateErrors(value: unknown, path = ''): FormError[] {
  const at = (key: string | number): string => (path === '' ? String(key) : `${path}.${key}`);
  if (typeof value === 'string') {
    return /\p{Surrogate}/u.test(value) ? [formError(path || '_', 'STRING_TYPE_INVALID_UNICODE', 'Invalid unicode: a lone surrogate.')] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => loneSurrogateErrors(item, at(i)));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [...loneSurrogateErrors(key, at(key)), ...loneSurrogateErrors(item, at(key))]);
  }
  return [];
}

interface ComponentLike {
  type?: number;
  style?: number;
  label?: string;
  emoji?: unknown;
  custom_id?: string;
  url?: string;
  components?: ComponentLike[];
}

const LINK = 5;
const PREMIUM = 6;
const BUTTON = 2;

/** Message components (rows, buttons, selects, nested layouts): unique custom ids, link URLs, labels. */
export function componentErrors(components: readonly unknown[], path = 'components'): FormError[] {
  const errors: FormError[] = [];
  const seen = new Set<string>();
  const visit = (items: readonly ComponentLike[], at: string): void => {
    items.forEach((item, i) => {
      const here = `${at}.${i}`;
      if (typeof item.custom_id === 'string') {
        if (seen.has(item.custom_id)) errors.push(formError(`${here}.custom_id`, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated'));
        seen.add(item.custom_id);
      }
      if (item.type === BUTTON) {
        if (item.style !== PREMIUM && !item.label && item.emoji === undefined) errors.push(required(`${here}.label`));
        if (item.style === LINK && typeof item.url === 'string') errors.push(...linkUrlErrors(item.url, `${here}.url`));
      }
      if (Array.isArray(item.components)) visit(item.components, `${here}.components`);
    });
  };
  visit(components as ComponentLike[], path);
  return errors;
}

function linkUrlErrors(url: string, path: string): FormError[] {
  if (url.length > 512) return [formError(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 512 or fewer in length.')];
  let scheme: string;
  try {
    scheme = new URL(url).protocol.slice(0, -1);
  } catch {
    return [formError(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.')];
  }
  return ['http', 'https', 'discord'].includes(scheme)
    ? []
    : [formError(path, 'URL_TYPE_INVALID_SCHEME', `Scheme "${scheme}" is not supported. Scheme must be one of ('http', 'https', 'discord').`)];
}

/** Embed fields need a non-empty name and value (limits on their length are checked with the others). */
export function embedFieldErrors(embeds: ReadonlyArray<{ fields?: ReadonlyArray<{ name?: string; value?: string }> }>): FormError[] {
  return embeds.flatMap((embed, i) =>
    (embed.fields ?? []).flatMap((field, j) => [
      ...(field.name ? [] : [required(`embeds.${i}.fields.${j}.name`)]),
      ...(field.value ? [] : [required(`embeds.${i}.fields.${j}.value`)]),
    ]),
  );
}

export function nonceErrors(nonce: unknown): FormError[] {
  return typeof nonce === 'string' && nonce.length > 25 ? [formError('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.')] : [];
}

const ARCHIVE_DURATIONS = [60, 1440, 4320, 10080] as const;

export function autoArchiveErrors(duration: unknown): FormError[] {
  return duration === undefined || (ARCHIVE_DURATIONS as readonly unknown[]).includes(duration) ? [] : [choices('auto_archive_duration', ARCHIVE_DURATIONS)];
}

/** 0 guild install, 1 user install. */
const INTEGRATION_TYPES = [0, 1] as const;
/** 0 guild, 1 bot DM, 2 private channel. */
const CONTEXTS = [0, 1, 2] as const;

/** The fields of one command definition the other checks do not cover. */
export function commandFieldErrors(command: Record<string, unknown>, at: string): FormError[] {
  const errors: FormError[] = [];
  const list = (field: string, allowed: readonly number[]): void => {
    const value = command[field];
    if (value === undefined || value === null) return;
    if (!Array.isArray(value)) {
      errors.push(formError(`${at}.${field}`, 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType'));
      return;
    }
    value.forEach((item, i) => {
      if (!allowed.includes(item as number)) errors.push(choices(`${at}.${field}.${i}`, allowed));
    });
  };
  list('contexts', CONTEXTS);
  list('integration_types', INTEGRATION_TYPES);
  const permissions = command.default_member_permissions;
  if (permissions !== undefined && permissions !== null && (typeof permissions !== 'string' || !/^\d+$/.test(permissions))) {
    errors.push(formError(`${at}.default_member_permissions`, 'STRING_TYPE_CONVERT', `Could not interpret "${String(permissions)}" as a permissions string.`));
  }
  return errors;
}
