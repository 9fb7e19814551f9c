import './styles/layout.css';
import './styles/map.css';
import './styles/chat.css';
import './styles/phone.css'; // last: it overrides the others on narrow screens
import { type Poi, TourApiError, TourClient } from '../../../clients/typescript/src';
import { type AnswerBubble, ChatView } from './chat-view';
import { type Lang, LABELS, LOCALE_OF, poiName } from './i18n';
import { MapView } from './map-view';
import type { LatLon } from './projection';

/** Where the visitor stands at first: just south of the Meridian Gate, outside every POI's radius. */
const START: LatLon = { lat: 39.9122, lon: 116.391 };
const KEY = { session: 'tour-guide.sessionId', lastEvent: 'tour-guide.lastEventId', lang: 'tour-guide.lang' };
type Status = 'connecting' | 'live' | 'polling' | 'reconnecting';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * The tour app: one TourClient (which adopts the session id and keeps nothing else), the map, the chat
 * and the push subscription. The session id and the last message seen live in sessionStorage, so a
 * reload resumes the same tour where it left off.
 */
class TourApp {
  private lang: Lang = localStorage.getItem(KEY.lang) === 'en' ? 'en' : 'zh';
  private client = this.newClient(sessionStorage.getItem(KEY.session));
  private readonly chat = new ChatView($('messages'), this.lang);
  private readonly map = new MapView($('map'), START, (point) => void this.arrived(point));
  private subscription: { close(): void } | null = null;
  private pois: Poi[] = [];
  private status: Status = 'connecting';

  async boot(): Promise<void> {
    this.applyLabels();
    document
      .querySelectorAll<HTMLButtonElement>('[data-lang]')
      .forEach((button) =>
        button.addEventListener(
          'click',
          () => void this.switchLang(button.dataset.lang === 'en' ? 'en' : 'zh'),
        ),
      );
    $('new-tour').addEventListener('click', () => void this.newTour(LABELS[this.lang].started));
    $<HTMLFormElement>('ask').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.ask();
    });
    this.pois = (await this.client.pois({ lat: START.lat, lon: START.lon, radius: 5000 })).pois;
    this.map.setPois(this.pois);
    await this.resumeOrStart();
  }

  private newClient(sessionId: string | null): TourClient {
    return new TourClient({
      baseUrl: location.origin,
      sessionId,
      locale: LOCALE_OF[this.lang],
      onSessionChange: (id) => {
        sessionStorage.removeItem(KEY.lastEvent);
        if (id) sessionStorage.setItem(KEY.session, id);
        else sessionStorage.removeItem(KEY.session);
        if (id) this.subscribe();
      },
    });
  }

  private async resumeOrStart(): Promise<void> {
    if (this.client.sessionId) {
      try {
        await this.client.session();
        this.chat.history((await this.client.history({ limit: 50 })).turns);
        this.chat.notice(LABELS[this.lang].resumed);
        this.subscribe(sessionStorage.getItem(KEY.lastEvent));
        await this.arrived(this.map.position);
        return;
      } catch (error) {
        if (!(error instanceof TourApiError && error.code === 'SESSION_NOT_FOUND')) throw error;
      }
    }
    await this.newTour(LABELS[this.lang].started);
  }

  /** A fresh session (the old one is closed), an empty chat, and the visitor's position reported. */
  private async newTour(notice: string): Promise<void> {
    this.subscription?.close();
    await this.client.closeSession().catch(() => undefined);
    this.client = this.newClient(null);
    this.chat.clear();
    this.chat.notice(notice);
    await this.client.startSession({ locale: LOCALE_OF[this.lang] });
    await this.arrived(this.map.position);
  }

  private subscribe(after: string | null = null): void {
    this.subscription?.close();
    const subscription = this.client.messages({
      after,
      onTransport: (transport) => this.setStatus(transport === 'sse' ? 'connecting' : 'polling'),
      onConnection: (state) =>
        this.setStatus(
          state === 'lost' ? 'reconnecting' : subscription.transport === 'sse' ? 'live' : 'polling',
        ),
    });
    this.subscription = subscription;
    void (async () => {
      try {
        for await (const message of subscription) {
          this.chat.proactive(message);
          sessionStorage.setItem(KEY.lastEvent, message.id);
        }
      } catch (error) {
        if (this.subscription !== subscription) return;
        if (error instanceof TourApiError && error.code === 'SESSION_NOT_FOUND') {
          await this.newTour(LABELS[this.lang].started);
        } else this.setStatus('reconnecting');
      }
    })();
  }

  private async ask(): Promise<void> {
    const input = $<HTMLInputElement>('question');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    this.setBusy(true);
    this.chat.user(text);
    const bubble = this.chat.startAnswer();
    try {
      const stream = this.client.askStream(text, { location: this.map.position });
      for await (const delta of stream) bubble.append(delta);
      const answer = await stream.answer;
      bubble.finish(answer.text, answer.createdAt);
    } catch (error) {
      this.failed(bubble, error);
    } finally {
      this.setBusy(false);
      input.focus();
    }
  }

  private failed(bubble: AnswerBubble, error: unknown): void {
    const labels = LABELS[this.lang];
    if (error instanceof TourApiError && error.code === 'AI_UNAVAILABLE') bubble.fail(labels.aiUnavailable);
    else bubble.fail(labels.failed + (error instanceof Error ? error.message : String(error)));
  }

  /** The visitor got there: report it; the POIs around light up, and the service pushes their introductions. */
  private async arrived(point: LatLon): Promise<void> {
    const where = $('where');
    where.textContent = LABELS[this.lang].walking;
    try {
      const report = await this.client.reportLocation({ lat: point.lat, lon: point.lon, accuracy: 5 });
      this.map.setNearby(report.nearby.map((poi) => poi.poiId));
      const names = report.nearby.map((poi) => poiName(poi.name, this.lang));
      where.textContent =
        names.length > 0 ? `${LABELS[this.lang].near}: ${names.join('、')}` : LABELS[this.lang].nowhere;
    } catch (error) {
      where.textContent = LABELS[this.lang].failed + (error instanceof Error ? error.message : String(error));
    }
  }

  private async switchLang(lang: Lang): Promise<void> {
    if (lang === this.lang) return;
    this.lang = lang;
    localStorage.setItem(KEY.lang, lang);
    this.chat.setLang(lang);
    this.applyLabels();
    // Proactive messages are written in the session's locale, so a new language is a new tour.
    await this.newTour(LABELS[lang].switched);
  }

  private applyLabels(): void {
    const labels = LABELS[this.lang];
    document.documentElement.lang = LOCALE_OF[this.lang];
    document.title = `${labels.title} · ${labels.subtitle}`;
    document.querySelectorAll<HTMLElement>('[data-label]').forEach((node) => {
      node.textContent = labels[node.dataset.label as 'title'];
    });
    document.querySelectorAll<HTMLElement>('[data-label-aria]').forEach((node) => {
      node.setAttribute('aria-label', labels[node.dataset.labelAria as 'title']);
    });
    document.querySelectorAll<HTMLElement>('[data-lang]').forEach((button) => {
      button.setAttribute('aria-pressed', String(button.dataset.lang === this.lang));
    });
    $<HTMLInputElement>('question').placeholder = labels.placeholder;
    this.map.setLang(this.lang);
    this.setStatus(this.status);
  }

  private setStatus(status: Status): void {
    this.status = status;
    const node = $('status');
    node.dataset.state = status;
    node.textContent = LABELS[this.lang][status];
    node.title = LABELS[this.lang][status];
  }

  private setBusy(busy: boolean): void {
    $<HTMLButtonElement>('ask').querySelector('button')!.disabled = busy;
    document.body.classList.toggle('busy', busy);
  }
}

void new TourApp().boot().catch((error: unknown) => {
  $('messages').textContent = `${LABELS.en.failed}${String(error)}`;
});
