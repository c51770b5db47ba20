/**
 * What the renderers produce: plain Discord API JSON (content, embeds, action rows), so they stay pure and
 * testable, and every sender adds the same "ping nobody" setting.
 */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import { LIMITS, linkUrl, oneLine, truncate } from './limits.ts';

export interface OutgoingMessage {
  content?: string;
  embeds?: APIEmbed[];
  components?: Array<APIActionRowComponent<APIButtonComponent>>;
}

/**
 * Nothing the bot sends may ping anyone, whatever the question, the model or the corpus says: `@everyone`,
 * `<@&role>` and `<@user>` stay inert text. Set as the client default and again on every call.
 */
export const NO_PINGS = { parse: [], repliedUser: false } as { parse: []; repliedUser: false };

export function linkButton(label: string, url: string): APIButtonComponent | null {
  const href = linkUrl(url);
  if (href === null) return null;
  return { type: ComponentType.Button, style: ButtonStyle.Link, label: truncate(oneLine(label), LIMITS.buttonLabel) || 'Open', url: href };
}

export function actionButton(customId: string, label: string, options: { emoji?: string; style?: ButtonStyle } = {}): APIButtonComponent {
  return {
    type: ComponentType.Button,
    style: (options.style ?? ButtonStyle.Secondary) as ButtonStyle.Secondary,
    label: truncate(oneLine(label), LIMITS.buttonLabel),
    custom_id: customId,
    ...(options.emoji ? { emoji: { name: options.emoji } } : {}),
  };
}

/** Buttons in rows of at most five, at most `maxRows` rows (extra buttons are dropped). */
export function toRows(buttons: readonly APIButtonComponent[], maxRows: number = LIMITS.rows): Array<APIActionRowComponent<APIButtonComponent>> {
  const rows: Array<APIActionRowComponent<APIButtonComponent>> = [];
  for (let i = 0; i < buttons.length && rows.length < maxRows; i += LIMITS.buttonsPerRow) {
    rows.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + LIMITS.buttonsPerRow) });
  }
  return rows;
}
