import { describe, expectTypeOf, it } from 'vitest';
import type { GetResult, Namespace, NamespaceGetResult, RingkvClient, UpdateResult, WriteResult } from '@ringkv/client-sdk';

interface User {
  name: string;
  visits: number;
}
declare const client: RingkvClient;

describe('client-sdk generics', () => {
  it('get is typed by its type argument', () => {
    expectTypeOf(client.get<User>('u')).resolves.toEqualTypeOf<GetResult<User>>();
    expectTypeOf(client.get('u')).resolves.toEqualTypeOf<GetResult<unknown>>();
    expectTypeOf(client.put('u', { any: 'value' })).resolves.toEqualTypeOf<WriteResult>();
  });

  it('update hands fn the typed siblings and returns the typed value', () => {
    const result = client.update<number>('n', (values) => {
      expectTypeOf(values).toEqualTypeOf<number[]>();
      return values.length;
    });
    expectTypeOf(result).resolves.toEqualTypeOf<UpdateResult<number>>();
  });

  it('a namespace carries its value type through get, put and update', () => {
    const users = client.namespace<User>('users', { resolve: (siblings) => siblings[0] as User });
    expectTypeOf(users).toEqualTypeOf<Namespace<User>>();
    expectTypeOf(users.get('1')).resolves.toEqualTypeOf<NamespaceGetResult<User>>();
    expectTypeOf<NamespaceGetResult<User>['value']>().toEqualTypeOf<User | undefined>();
    expectTypeOf(users.put).parameter(1).toEqualTypeOf<User>();
    users.update('1', (current) => {
      expectTypeOf(current).toEqualTypeOf<User | undefined>();
      return { name: current?.name ?? 'new', visits: (current?.visits ?? 0) + 1 };
    });
    // @ts-expect-error: a namespace of User refuses other values
    void users.put('1', { name: 'x' });
    // @ts-expect-error: the resolver must return a User
    client.namespace<User>('users', { resolve: () => 42 });
  });
});
