export { CleanupModule } from './cleanup.module';
export { SessionRestoreService } from './session-restore.service';
