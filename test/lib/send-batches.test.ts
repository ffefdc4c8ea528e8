import fc from 'fast-check';
import { groupForSendBatches } from '../../functions/lib/send-batches';

describe('groupForSendBatches', () => {
  it('keeps every index once, in order, within the entry and byte limits', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(3000), { maxLength: 60 }), (sizes) => {
        const bodies = sizes.map((size) => 'x'.repeat(size));
        const groups = groupForSendBatches(bodies, undefined, 5000, 10);
        expect(groups.flat()).toEqual(bodies.map((_, i) => i));
        for (const group of groups) {
          expect(group.length).toBeLessThanOrEqual(10);
          const bytes = group.reduce((sum, i) => sum + (sizes[i] ?? 0), 0);
          if (group.length > 1) expect(bytes).toBeLessThanOrEqual(5000);
        }
      }),
    );
  });

  it('groups only the given indexes', () => {
    expect(groupForSendBatches(['a', 'b', 'c', 'd'], [1, 3])).toEqual([[1, 3]]);
  });
});
