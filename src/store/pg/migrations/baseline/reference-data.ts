/** Sites, customers, invoices and exchange rates: SQLite's baseline/reference-data.ts. */
export const REFERENCE_DATA_SQL = `
CREATE TABLE sites (
  id          text COLLATE "C" PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  name        text COLLATE "C" NOT NULL,
  currency    text COLLATE "C" NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  country     text COLLATE "C" CHECK (country IS NULL OR country ~ '^[A-Z]{2}$'),
  timezone    text COLLATE "C",
  created_at  text COLLATE "C" NOT NULL,
  updated_at  text COLLATE "C" NOT NULL
);

CREATE TABLE customers (
  id          text COLLATE "C" PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  site        text COLLATE "C" NOT NULL REFERENCES sites(id),
  segment     text COLLATE "C" CHECK (segment IS NULL OR (length(segment) > 0 AND segment <> '*')),
  name        text COLLATE "C",
  email       text COLLATE "C",
  created_at  text COLLATE "C" NOT NULL,
  updated_at  text COLLATE "C" NOT NULL
);
CREATE INDEX customers_site_segment ON customers(site, segment);
CREATE INDEX customers_segment ON customers(segment);

CREATE TABLE customer_refs (
  customer      text COLLATE "C" NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  provider_key  text COLLATE "C" NOT NULL CHECK (length(provider_key) > 0),
  external_ref  text COLLATE "C" NOT NULL CHECK (length(external_ref) > 0),
  PRIMARY KEY (customer, provider_key),
  UNIQUE (provider_key, external_ref)
);

CREATE TABLE invoices (
  id            text COLLATE "C" PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  site          text COLLATE "C" NOT NULL REFERENCES sites(id),
  customer      text COLLATE "C" NOT NULL REFERENCES customers(id),
  amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
  currency      text COLLATE "C" NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  issued_at     text COLLATE "C" NOT NULL,
  due_at        text COLLATE "C",
  created_at    text COLLATE "C" NOT NULL,
  updated_at    text COLLATE "C" NOT NULL
);
CREATE INDEX invoices_customer ON invoices(customer, issued_at);
CREATE INDEX invoices_site_due ON invoices(site, due_at);

-- A rate is a plain decimal (digits, at most one point with digits on both sides) that is not zero.
CREATE TABLE fx_rates (
  base        text COLLATE "C" NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote       text COLLATE "C" NOT NULL CHECK (quote ~ '^[A-Z]{3}$' AND quote <> base),
  date        text COLLATE "C" NOT NULL CHECK (date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  rate        text COLLATE "C" NOT NULL CHECK (rate ~ '^[0-9]+([.][0-9]+)?$' AND rtrim(replace(rate, '.', ''), '0') <> ''),
  source      text COLLATE "C" NOT NULL,
  updated_at  text COLLATE "C" NOT NULL,
  PRIMARY KEY (base, quote, date)
);
CREATE INDEX fx_rates_date ON fx_rates(date);
`
