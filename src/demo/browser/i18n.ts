import type { ProactiveMessage } from '../../../clients/typescript/src';

/** The two languages of the page; each is also the locale of the sessions started in it. */
export type Lang = 'zh' | 'en';

export const LOCALE_OF: Record<Lang, string> = { zh: 'zh-CN', en: 'en-US' };

const zh = {
  title: '故宫导览',
  titleShort: '故宫导览',
  subtitle: '紫禁城 · AI 导游',
  mapHint: '点击地图或景点，游客就会走过去',
  you: '你',
  guide: '导游',
  placeholder: '问问导游，例如：太和殿有什么特别？',
  send: '发送',
  newTour: '新导览',
  near: '附近',
  nowhere: '不在任何景点范围内',
  walking: '正在前往…',
  connecting: '连接中',
  live: '实时推送',
  polling: '轮询推送',
  reconnecting: '重连中…',
  aiUnavailable: '导游暂时无法回答，请稍后再试。',
  failed: '出错了：',
  switched: '已切换为中文，新的导览开始了。',
  started: '导览开始了，祝你参观愉快。',
  resumed: '欢迎回来，继续你的导览。',
  scale: '100 米',
  kinds: { greeting: '欢迎', poi: '景点介绍', tip: '小贴士', broadcast: '广播' },
  mapLabel: '景点地图',
  chatLabel: '与导游对话',
};

export type Labels = typeof zh;

const en: Labels = {
  title: 'Forbidden City Guide',
  titleShort: 'Palace Guide',
  subtitle: 'Palace Museum · AI tour guide',
  mapHint: 'Tap the map or a sight to walk there',
  you: 'You',
  guide: 'Guide',
  placeholder: 'Ask the guide, e.g. what is special about the Hall of Supreme Harmony?',
  send: 'Send',
  newTour: 'New tour',
  near: 'Near',
  nowhere: 'Not at any sight',
  walking: 'Walking…',
  connecting: 'Connecting',
  live: 'Live',
  polling: 'Polling',
  reconnecting: 'Reconnecting…',
  aiUnavailable: 'The guide cannot answer right now; please try again shortly.',
  failed: 'Something went wrong: ',
  switched: 'Switched to English: a new tour begins.',
  started: 'Your tour begins. Enjoy the palace!',
  resumed: 'Welcome back: your tour goes on.',
  scale: '100 m',
  kinds: { greeting: 'Welcome', poi: 'Sight', tip: 'Tip', broadcast: 'Announcement' },
  mapLabel: 'Map of the sights',
  chatLabel: 'Chat with the guide',
};

export const LABELS: Record<Lang, Labels> = { zh, en };

export function kindLabel(lang: Lang, kind: ProactiveMessage['kind']): string {
  return LABELS[lang].kinds[kind];
}

/** "午门 Meridian Gate" → "午门" in Chinese, "Meridian Gate" in English; other names as they are. */
export function poiName(name: string, lang: Lang): string {
  const match = /^([\u3400-\u9fff\u3000-\u303f]+)\s+(.+)$/.exec(name);
  if (!match) return name;
  return lang === 'zh' ? match[1] : match[2];
}

/** Local time for the eye, the UTC value on hover (CONVENTIONS.md, pages). */
export function timeOf(iso: string, lang: Lang): { text: string; title: string } {
  const at = new Date(iso);
  const text = at.toLocaleTimeString(LOCALE_OF[lang], { hour: '2-digit', minute: '2-digit' });
  return { text, title: at.toISOString() };
}
