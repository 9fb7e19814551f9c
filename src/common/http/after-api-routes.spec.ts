import { AfterApiRoutes } from './after-api-routes';

describe(AfterApiRoutes.name, () => {
  it('mounts what was added, in order, at init and not before', () => {
    const sut = new AfterApiRoutes();
    const mounted: string[] = [];
    sut.add(() => mounted.push('docs'));
    sut.add(() => mounted.push('docs-json'));
    expect(mounted).toEqual([]);
    sut.onModuleInit();
    expect(mounted).toEqual(['docs', 'docs-json']);
  });

  it('refuses a mount added after init, which would land behind the 404 handler', () => {
    const sut = new AfterApiRoutes();
    sut.onModuleInit();
    expect(() => sut.add(() => undefined)).toThrow(/before the app is initialized/);
  });
});
