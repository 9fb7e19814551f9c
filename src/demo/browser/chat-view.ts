import type { ProactiveMessage, Turn } from '../../../clients/typescript/src';
import { kindLabel, type Lang, LABELS, timeOf } from './i18n';

function element<K extends keyof HTMLElementTagNameMap>(name: K, className: string, text?: string) {
  const node = document.createElement(name);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One answer being streamed into its bubble. */
export interface AnswerBubble {
  append(delta: string): void;
  finish(text: string, createdAt: string): void;
  fail(message: string): void;
}

/**
 * The conversation: the visitor's questions on the right, the guide's answers on the left, and the
 * proactive messages (greeting, POI introduction, tip, broadcast) as cards of their own. Every text is
 * inserted as text, never as HTML.
 */
export class ChatView {
  constructor(
    private readonly list: HTMLElement,
    private lang: Lang,
  ) {}

  setLang(lang: Lang): void {
    this.lang = lang;
  }

  clear(): void {
    this.list.replaceChildren();
  }

  notice(text: string): void {
    this.add(element('p', 'notice', text));
  }

  user(text: string, createdAt?: string): void {
    this.add(this.bubble('from-user', LABELS[this.lang].you, text, createdAt));
  }

  answer(text: string, createdAt: string): void {
    this.add(this.bubble('from-guide', LABELS[this.lang].guide, text, createdAt));
  }

  /** A bubble that fills as the deltas arrive (with a caret), then shows the stored text. */
  startAnswer(): AnswerBubble {
    const bubble = this.bubble('from-guide streaming', LABELS[this.lang].guide, '');
    const body = bubble.querySelector('.text') as HTMLElement;
    this.add(bubble);
    return {
      append: (delta) => {
        body.textContent += delta;
        this.scroll();
      },
      finish: (text, createdAt) => {
        body.textContent = text;
        bubble.classList.remove('streaming');
        bubble.appendChild(this.time(createdAt));
        this.scroll();
      },
      fail: (message) => {
        bubble.classList.remove('streaming');
        bubble.classList.add('failed');
        body.textContent = message;
      },
    };
  }

  proactive(message: ProactiveMessage): void {
    const card = element('article', `proactive kind-${message.kind}`);
    card.dataset.messageId = message.id;
    const head = element('header', 'badge', kindLabel(this.lang, message.kind));
    card.append(head, element('p', 'text', message.text), this.time(message.createdAt));
    this.add(card);
  }

  /** The turns of a session's history, as they were (a proactive turn has no kind there). */
  history(turns: Turn[]): void {
    for (const turn of turns) {
      if (turn.role === 'user') this.user(turn.text, turn.createdAt);
      else if (turn.role === 'assistant') this.answer(turn.text, turn.createdAt);
      else {
        const card = element('article', 'proactive');
        card.append(element('p', 'text', turn.text), this.time(turn.createdAt));
        this.add(card);
      }
    }
  }

  private bubble(className: string, who: string, text: string, createdAt?: string): HTMLElement {
    const bubble = element('article', `bubble ${className}`);
    bubble.setAttribute('aria-label', who);
    bubble.appendChild(element('p', 'text', text));
    if (createdAt) bubble.appendChild(this.time(createdAt));
    return bubble;
  }

  private time(iso: string): HTMLElement {
    const { text, title } = timeOf(iso, this.lang);
    const node = element('time', 'at', text);
    node.dateTime = iso;
    node.title = title;
    return node;
  }

  private add(node: HTMLElement): void {
    this.list.appendChild(node);
    this.scroll();
  }

  private scroll(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
