import { Injectable } from '@nestjs/common';
import { sessionNotFound } from '../common/api-error';
import {
  SessionService,
  AdminSessionView,
  HistoryView,
  SessionView,
  toAdminSessionView,
  toHistoryView,
  toSessionView,
  SessionStoreStatus,
} from '../sessions';

/** What operators see and do with sessions. Admin calls are never session activity. */
@Injectable()
export class AdminSessionsService {
  constructor(
    private readonly sessions: SessionService,
    private readonly store: SessionStoreStatus,
  ) {}

  async list(
    limit: number,
    cursor: string | null,
  ): Promise<{ sessions: AdminSessionView[]; nextCursor: string | null }> {
    const page = await this.sessions.liveIds(limit, cursor);
    const records = await Promise.all(page.ids.map((id) => this.sessions.find(id)));
    return {
      sessions: records.flatMap((record) =>
        record ? [toAdminSessionView(record, this.sessions.idleTtlMs)] : [],
      ),
      nextCursor: page.nextCursor,
    };
  }

  async get(id: string): Promise<Required<AdminSessionView>> {
    const record = await this.sessions.find(id);
    if (!record) throw sessionNotFound();
    return {
      ...toAdminSessionView(record, this.sessions.idleTtlMs),
      userAgent: record.userAgent,
      storeBytes: await this.store.storeBytes(id),
    };
  }

  /** The client history's page, read without touching the session (admin calls are not activity). */
  async history(id: string, limit: number, before: number | null): Promise<HistoryView> {
    if (!(await this.sessions.find(id))) throw sessionNotFound();
    return toHistoryView(id, await this.sessions.history(id, limit, before));
  }

  async reset(id: string): Promise<SessionView> {
    return toSessionView(await this.sessions.reset(id, 'admin_reset'), this.sessions.idleTtlMs);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.sessions.destroy(id, 'admin_deleted'))) throw sessionNotFound();
  }
}
