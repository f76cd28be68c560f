import fc from 'fast-check'
import pg from 'pg'
import {describe, expect, it} from 'vitest'

import {quoted} from '../../../src/store/seam/pg-store.js'
import {fromNamed, inlined, numbered} from '../../../src/store/seam/placeholders.js'

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

describe('values written into a numbered statement, for a batch sent in one message', () => {
  const values = ['a', "it's", 'ten']
  const literal = (i: number) => quoted(values[i]!)

  it.each([
    ['SELECT $1, $2', "SELECT 'a', 'it''s'"],
    // $1 is not the start of $10, nor of $2; each number names its value wherever it stands, and may repeat.
    ['SELECT $3 || $1 || $3', "SELECT 'ten' || 'a' || 'ten'"],
    ['SELECT \'$1\', "$2", $1 -- $3\n, $2', "SELECT '$1', \"$2\", 'a' -- $3\n, 'it''s'"],
    ['SELECT $1 /* $2 */', "SELECT 'a' /* $2 */"],
    ['SELECT 1', 'SELECT 1'],
  ])('%j', (sql, expected) => {
    expect(inlined(sql, literal)).toBe(expected)
    expect(inlined(sql, literal)).toBe(expected) // read once, written again
  })

  it('names $10 as the tenth value, not the first followed by 0', () => {
    const ten = Array.from({length: 10}, (_, i) => `$${i + 1}`).join(',')
    expect(inlined(`VALUES (${ten})`, (i) => String(i))).toBe('VALUES (0,1,2,3,4,5,6,7,8,9)')
  })

  it('refuses a dollar-quoted statement rather than read its body wrongly', () => {
    expect(() => inlined('SELECT $$ $1 $$, $1', literal)).toThrow(/dollar-quoted/)
    expect(() => inlined('SELECT $tag$ x $tag$', literal)).toThrow(/dollar-quoted/)
  })

  it("quotes any text as pg's escapeLiteral does", () => {
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom("'", '\\', 'a', 'é', '东', '"', '$', '?', ' ', '\n')}), (text) => {
        expect(quoted(text)).toBe(pg.escapeLiteral(text))
      }),
    )
    fc.assert(
      fc.property(fc.string({unit: 'grapheme'}), (text) => {
        expect(quoted(text)).toBe(pg.escapeLiteral(text))
      }),
    )
  })
})
