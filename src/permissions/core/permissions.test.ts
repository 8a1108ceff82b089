import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { effectivePermissions, permissionProblems, typePermissions, type StoredPermissions } from './permissions.ts';

const ALL = { read: true, create: true, update: true, delete: true };
const NONE = { read: false, create: false, update: false, delete: false };
const READ = { read: true, create: false, update: false, delete: false };

describe('effectivePermissions', () => {
  test('the defaults when nothing is stored', () => {
    assert.deepEqual(effectivePermissions(undefined, { kind: 'role', role: 'cliente' }), ALL);
    assert.deepEqual(effectivePermissions(undefined, { kind: 'scope', scope: 'agentes' }), ALL);
    assert.deepEqual(effectivePermissions(undefined, { kind: 'scope', scope: 'read-write' }), ALL);
    assert.deepEqual(effectivePermissions(undefined, { kind: 'scope', scope: 'read-only' }), READ);
    assert.deepEqual(effectivePermissions(undefined, { kind: 'scope', scope: 'proxy-ollama' }), NONE);
  });

  test('gestores may always do everything, whatever is stored', () => {
    const stored: StoredPermissions = { visibility: 'restricted', roles: { gestor: NONE, cliente: NONE }, scopes: {} };
    assert.deepEqual(effectivePermissions(stored, { kind: 'role', role: 'gestor' }), ALL);
  });

  test('stored permissions replace the defaults for their principal only', () => {
    const stored: StoredPermissions = { visibility: 'organisation', roles: { cliente: READ }, scopes: { agentes: { ...READ, create: true } } };
    assert.deepEqual(effectivePermissions(stored, { kind: 'role', role: 'cliente' }), READ);
    assert.deepEqual(effectivePermissions(stored, { kind: 'scope', scope: 'agentes' }), { ...READ, create: true });
    assert.deepEqual(effectivePermissions(stored, { kind: 'scope', scope: 'read-write' }), ALL);
  });

  test('a stored row can never widen read-only or proxy-ollama', () => {
    const stored: StoredPermissions = { visibility: 'organisation', roles: {}, scopes: { 'read-only': ALL, 'proxy-ollama': ALL } };
    assert.deepEqual(effectivePermissions(stored, { kind: 'scope', scope: 'read-only' }), READ);
    assert.deepEqual(effectivePermissions(stored, { kind: 'scope', scope: 'proxy-ollama' }), NONE);
  });

  test('an unknown scope may do nothing', () => {
    assert.deepEqual(effectivePermissions(undefined, { kind: 'scope', scope: 'admin' }), NONE);
    assert.deepEqual(effectivePermissions({ visibility: 'organisation', roles: {}, scopes: { admin: ALL } }, { kind: 'scope', scope: 'admin' }), NONE);
  });
});

describe('typePermissions', () => {
  test('fills every principal and the visibility', () => {
    assert.deepEqual(typePermissions(undefined), {
      visibility: 'organisation',
      roles: { cliente: ALL },
      scopes: { agentes: ALL, 'read-only': READ, 'read-write': ALL, 'proxy-ollama': NONE },
    });
    assert.equal(typePermissions({ visibility: 'restricted', roles: {}, scopes: {} }).visibility, 'restricted');
  });
});

describe('permissionProblems', () => {
  test('names every write given to read-only and every action given to proxy-ollama', () => {
    const problems = permissionProblems({ 'read-only': { read: true, create: true, update: false, delete: true }, 'proxy-ollama': READ, agentes: ALL });
    assert.deepEqual(
      problems.map((problem) => problem.pointer),
      ['/scopes/read-only/create', '/scopes/read-only/delete', '/scopes/proxy-ollama/read'],
    );
  });

  test('accepts what the scopes allow', () => {
    assert.deepEqual(permissionProblems({ 'read-only': READ, 'proxy-ollama': NONE, 'read-write': NONE }), []);
  });
});
