export { ArchiveModule } from './archive.module';
export { ARCHIVE_REPOSITORY } from './archive.repository';
export type { ArchiveRepository } from './archive.repository';
export { decodeArchiveCursor, encodeArchiveCursor } from './archive-page';
