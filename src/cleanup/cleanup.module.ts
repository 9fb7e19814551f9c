import { Module } from '@nestjs/common';
import { ArchiveModule } from '../archive';
import { LeaseModule } from '../lease';
import { ObservabilityModule } from '../observability';
import { SessionModule } from '../sessions';
import { StoreModule } from '../store';
import { CleanupService } from './cleanup.service';
import { SessionRestoreService } from './session-restore.service';
import { ShutdownArchiverService } from './shutdown-archiver.service';
import { SweepService } from './sweep.service';

/** The scheduled sweep and memory relief, shutdown archival (embedded store) and restore. */
@Module({
  imports: [SessionModule, ArchiveModule, LeaseModule, StoreModule, ObservabilityModule],
  providers: [SweepService, CleanupService, ShutdownArchiverService, SessionRestoreService],
  exports: [SessionRestoreService],
})
export class CleanupModule {}
