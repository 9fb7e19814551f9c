import { Injectable, OnModuleInit } from '@nestjs/common';

/**
 * Routes mounted behind every controller's: Nest registers the controllers' routes, then runs the
 * modules' init hooks, then mounts its 404 handler, so what is added here, at init, lands between the
 * API and the 404. Express tries routes in order: the API's requests never walk past these (the docs'
 * nine routes, which configureApp would otherwise mount ahead of all of the API's).
 */
@Injectable()
export class AfterApiRoutes implements OnModuleInit {
  private readonly mounts: Array<() => void> = [];
  private initialized = false;

  /** `mount` runs at init; after it, the 404 handler would be ahead of its routes. */
  add(mount: () => void): void {
    if (this.initialized) throw new Error('routes behind the API are added before the app is initialized');
    this.mounts.push(mount);
  }

  onModuleInit(): void {
    this.initialized = true;
    for (const mount of this.mounts) mount();
  }
}
