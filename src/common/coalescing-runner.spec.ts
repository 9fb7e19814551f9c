import { coalescingRunner } from './coalescing-runner';

describe(coalescingRunner.name, () => {
  it('never runs the task in parallel and runs once more for calls made while it ran', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const sut = coalescingRunner(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      active--;
    });
    await Promise.all([sut(), sut(), sut(), sut()]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect({ maxActive, runs }).toEqual({ maxActive: 1, runs: 2 });
  });

  it('runs again while the task asks for it', async () => {
    let runs = 0;
    const sut = coalescingRunner(() => Promise.resolve(++runs < 3));
    await sut();
    expect(runs).toBe(3);
  });
});
