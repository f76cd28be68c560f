import {describe, expect, it} from 'vitest'

import {fromNamed, numbered} from '../../../src/store/seam/placeholders.js'

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

describe('@name placeholders become $n, one per name, for PostgreSQL', () => {
  it.each([
    ['SELECT * FROM t WHERE a = @a AND b = @b', 'SELECT * FROM t WHERE a = $1 AND b = $2', ['a', 'b']],
    ['UPDATE t SET x = @at, y = @at WHERE id = @id', 'UPDATE t SET x = $1, y = $1 WHERE id = $2', ['at', 'id']],
    ['WHERE (@s IS NULL OR at >= @s) AND @u IS NULL', 'WHERE ($1 IS NULL OR at >= $1) AND $2 IS NULL', ['s', 'u']],
    ["SELECT 'a@b.c', @x", "SELECT 'a@b.c', $1", ['x']],
    ['SELECT "@col", @x -- @no\n, @y /* @no */', 'SELECT "@col", $1 -- @no\n, $2 /* @no */', ['x', 'y']],
    ["SELECT j @> '{}', @x_1", "SELECT j @> '{}', $1", ['x_1']],
    ['SELECT 1', 'SELECT 1', []],
  ])('%j', (sql, expected, names) => {
    expect(fromNamed(sql)).toEqual({sql: expected, names})
    expect(fromNamed(sql)).toEqual({sql: expected, names}) // the cached translation is the same
  })

  it('refuses a statement that mixes ? and @name', () => {
    expect(() => fromNamed('SELECT @a, ?')).toThrow(/mixes \? and @name/)
  })

  it('leaves @name alone where ? is translated', () => {
    expect(numbered("SELECT @a, ?, '@b'")).toBe("SELECT @a, $1, '@b'")
  })
})
