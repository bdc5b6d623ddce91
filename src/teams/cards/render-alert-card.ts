/**
 * The alert card in the pilots' channel: what happened, when, and a link to the step's card in
 * its team's channel. The same card is updated in place once the cause goes away ("Resolved").
 * Pure: the caller formats times in the iteration's time zone.
 */

export interface AlertCardData {
  iteration: string;
  /** `TEST` marker for comms mode `test`. */
  test: boolean;
  kind: string;
  /** One line: `TRT-1 is late by 12 min (planned 30 min)`. */
  message: string;
  raisedAt: string;
  resolvedAt: string | null;
  /** A Teams deep link to the step's card, when the card was posted. */
  stepCardUrl: string | null;
}

const KIND_TITLES: Record<string, string> = {
  'step-overrun': 'Step late',
  'ready-idle': 'Ready step not started',
  'chapter-late': 'Chapter will miss its planned end',
  'step-failed': 'Step failed',
  'delivery-failed': 'Delivery failed',
};

/** The Adaptive Card (1.5) of an alert. */
export function renderAlertCard(data: AlertCardData): Record<string, unknown> {
  const resolved = data.resolvedAt !== null;
  const title = `${resolved ? '✅ Resolved' : '⚠️'} ${KIND_TITLES[data.kind] ?? data.kind}`;
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      ...(data.test
        ? [
            {
              type: 'TextBlock',
              text: `TEST · ${data.iteration} runs with comms in test mode`,
              size: 'Small',
              color: 'warning',
            },
          ]
        : []),
      {
        type: 'TextBlock',
        text: title,
        weight: 'Bolder',
        size: 'Medium',
        color: resolved ? 'Good' : 'Attention',
        wrap: true,
      },
      { type: 'TextBlock', text: data.message, wrap: true, isSubtle: resolved },
      {
        type: 'FactSet',
        facts: [
          { title: 'Iteration', value: data.iteration },
          { title: 'Raised', value: data.raisedAt },
          ...(resolved ? [{ title: 'Resolved', value: data.resolvedAt }] : []),
        ],
      },
    ],
    actions: data.stepCardUrl
      ? [{ type: 'Action.OpenUrl', title: 'Open the step card', url: data.stepCardUrl }]
      : [],
  };
}

/**
 * A Teams deep link to a message in a channel: `https://teams.microsoft.com/l/message/<channel
 * id>/<message id>?…&parentMessageId=<message id>` (Microsoft Learn, "Deep link to Teams chat").
 */
export function channelMessageLink(
  conversationId: string,
  messageId: string,
  tenantId: string | null,
): string {
  const channelId = conversationId.split(';')[0]!;
  const query = new URLSearchParams({ parentMessageId: messageId });
  if (tenantId) query.set('tenantId', tenantId);
  return `https://teams.microsoft.com/l/message/${encodeURIComponent(channelId)}/${encodeURIComponent(messageId)}?${query.toString()}`;
}
