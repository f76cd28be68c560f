import {describe, expect, it} from 'vitest'

import {numbered} from '../../../src/store/seam/placeholders.js'

describe('? placeholders become $n for PostgreSQL', () => {
  it.each([
    ['SELECT * FROM t WHERE a = ? AND b = ?', 'SELECT * FROM t WHERE a = $1 AND b = $2'],
    ["SELECT '?' AS q, ? AS p", "SELECT '?' AS q, $1 AS p"],
    ["SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"],
    ["SELECT '''?''' , ?", "SELECT '''?''' , $1"],
    ['SELECT x AS "what?", "a""?b" FROM t WHERE y = ?', 'SELECT x AS "what?", "a""?b" FROM t WHERE y = $1'],
    ['SELECT ? -- a ? in a comment\n, ?', 'SELECT $1 -- a ? in a comment\n, $2'],
    ['SELECT ? /* ? and "?" and \'?\' */, ?', 'SELECT $1 /* ? and "?" and \'?\' */, $2'],
    ['SELECT \'"?\' , "\'?" , ?', 'SELECT \'"?\' , "\'?" , $1'],
    ['SELECT a-b, a/b, ?', 'SELECT a-b, a/b, $1'],
    ['INSERT INTO t VALUES (?,?,?)', 'INSERT INTO t VALUES ($1,$2,$3)'],
    ["SELECT 'unterminated ?", "SELECT 'unterminated ?"],
    ['SELECT 1 /* unterminated ?', 'SELECT 1 /* unterminated ?'],
    ['SELECT 1', 'SELECT 1'],
  ])('%j', (sql, expected) => {
    expect(numbered(sql)).toBe(expected)
    expect(numbered(sql)).toBe(expected) // the cached translation is the same
  })

  it('refuses ?N, which SQLite numbers differently when mixed with ?', () => {
    expect(() => numbered('SELECT ?1, ?')).toThrow(/numbered \?N parameters are not portable/)
  })
})
