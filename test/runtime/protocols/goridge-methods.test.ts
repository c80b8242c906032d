import { describe, expect, it } from 'vitest';
import { type GoridgeMethod, GoridgeMethodTable, goridgeNamesFor } from '../../../runtime/protocols/goridge-methods.ts';

describe('Goridge names of router methods', () => {
  it('gives the router name, the PascalCase dotted name and the Go one-dot name', () => {
    expect(goridgeNamesFor('sys.echo')).toEqual(['sys.echo', 'Sys.Echo']);
    expect(goridgeNamesFor('kafka.consume.receive')).toEqual([
      'kafka.consume.receive',
      'Kafka.Consume.Receive',
      'Kafka.ConsumeReceive',
    ]);
    expect(goridgeNamesFor('app.echoRaw')).toEqual(['app.echoRaw', 'App.EchoRaw']);
    expect(goridgeNamesFor('my-queue.push_back')).toEqual(['my-queue.push_back', 'MyQueue.PushBack']);
    expect(goridgeNamesFor('nodot')).toEqual(['nodot']);
  });

  it('resolves names and answers misses with net/rpc text', () => {
    const t = new GoridgeMethodTable(() => ['sys.echo', 'kafka.consume.receive', 'app.init']);
    expect((t.resolve('Sys.Echo') as GoridgeMethod).method).toBe('sys.echo');
    expect((t.resolve('sys.echo') as GoridgeMethod).method).toBe('sys.echo');
    expect((t.resolve('Kafka.ConsumeReceive') as GoridgeMethod).method).toBe('kafka.consume.receive');
    expect((t.resolve('Kafka.Consume.Receive') as GoridgeMethod).nameBytes.toString()).toBe('Kafka.Consume.Receive');
    expect(t.resolve('App.Nope')).toBe("rpc: can't find method App.Nope");
    expect(t.resolve('Kafka.Consume.Nope')).toBe("rpc: can't find method Kafka.Consume.Nope");
    expect(t.resolve('Nope.Init')).toBe("rpc: can't find service Nope.Init");
    expect(t.resolve('App.init')).toBe("rpc: can't find method App.init");
    expect(t.resolve('Init')).toBe('rpc: service/method request ill-formed: Init');
    expect(t.resolve('')).toBe('rpc: service/method request ill-formed: ');
  });

  it('picks up methods registered after the first lookup', () => {
    const methods = ['sys.echo'];
    const t = new GoridgeMethodTable(() => methods);
    expect(typeof t.resolve('App.Init')).toBe('string');
    methods.push('app.init');
    expect((t.resolve('App.Init') as GoridgeMethod).method).toBe('app.init');
  });

  it('keeps the first owner of a name two methods produce, and reports it', () => {
    const reported: string[][] = [];
    const t = new GoridgeMethodTable(() => ['a.b.c', 'a.bC'], (names) => reported.push(names));
    expect((t.resolve('A.BC') as GoridgeMethod).method).toBe('a.b.c');
    expect((t.resolve('a.bC') as GoridgeMethod).method).toBe('a.bC');
    expect(reported).toEqual([['A.BC']]);
  });
});
