// The `presence` extension: "who is home", "is Anna home", "where is Anna", for lee's
// custom skill, from Home Assistant's `person` and `device_tracker` entities and zones.
// Written in JavaScript against lee's WIT world `feature`, built with componentize-js.
// Read-only grant; optionally one outbound `http` call (to the `presence_url` its
// manifest config names, on a host its grant allows) asks an outside service where a
// person is when Home Assistant only knows "away".

import { getStatesOf } from 'lee:gateway/home-assistant@0.1.3';
import { send } from 'lee:gateway/http@0.1.3';
import { get as setting } from 'lee:gateway/config@0.1.3';
import { log } from 'lee:gateway/log@0.1.3';

const LOOKUP_MS = 30000;

function say(text) {
  return JSON.stringify({
    version: '1.0',
    response: { outputSpeech: { type: 'PlainText', text }, shouldEndSession: true },
  });
}

function slot(request, name) {
  const value = ((request.intent || {}).slots || {})[name] || {};
  for (const authority of ((value.resolutions || {}).resolutionsPerAuthority || [])) {
    if ((authority.status || {}).code === 'ER_SUCCESS_MATCH' && (authority.values || []).length) {
      return authority.values[0].value.name;
    }
  }
  const text = (value.value || '').trim();
  return text === '' ? undefined : text;
}

function states(domains) {
  const found = getStatesOf(
    { domains, entityIds: [], attributes: ['friendly_name', 'source'] },
    LOOKUP_MS,
  );
  return found.map((s) => ({
    id: s.entityId,
    state: s.state,
    name: JSON.parse(s.attributes).friendly_name || s.entityId.split('.')[1].replace(/_/g, ' '),
  }));
}

/// Lower case, no punctuation, no possessive: "Anna's" -> "anna".
function normalize(text) {
  return text.toLowerCase().replace(/'s\b/g, '').replace(/[^a-z0-9 ]/g, '').trim();
}

/// Edit distance, for names Alexa heard slightly wrong.
function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function findPerson(people, spoken) {
  const wanted = normalize(spoken);
  let best;
  for (const person of people) {
    const name = normalize(person.name);
    const first = name.split(' ')[0];
    const score = Math.min(distance(wanted, name), distance(wanted, first));
    if (score <= Math.max(1, Math.floor(wanted.length / 4)) && (!best || score < best.score)) {
      best = { person, score };
    }
  }
  return best && best.person;
}

/// Where a person is, in words: home, a zone's name, or away.
function whereabouts(person, zones) {
  if (person.state === 'home') return 'home';
  if (person.state === 'not_home' || person.state === 'unknown' || person.state === 'unavailable') {
    return undefined;
  }
  const zone = zones.find((z) => normalize(z.name) === normalize(person.state));
  return zone ? `at ${zone.name}` : `at ${person.state}`;
}

/// The outside service's answer for `person`, if one is configured and answers.
function outside(person) {
  const url = setting('presence_url');
  if (!url) return undefined;
  const key = person.id.split('.')[1];
  try {
    const answer = send({ method: 'GET', url, headers: [['accept', 'application/json']], body: undefined, timeoutMs: 2000 });
    if (answer.status !== 200) return undefined;
    const places = JSON.parse(new TextDecoder().decode(answer.body));
    return places[key];
  } catch (error) {
    log('warn', 'presence_url did not answer', [['error', String(error && (error.payload ? JSON.stringify(error.payload) : error))]]);
    return undefined;
  }
}

function people() {
  const found = states(['person']);
  return found.length ? found : states(['device_tracker']);
}

function whoIsHome() {
  const home = people().filter((p) => p.state === 'home').map((p) => p.name);
  if (home.length === 0) return say('Nobody is home.');
  if (home.length === 1) return say(`${home[0]} is home.`);
  return say(`${home.slice(0, -1).join(', ')} and ${home[home.length - 1]} are home.`);
}

function personNamed(request) {
  const spoken = slot(request, 'Person');
  if (!spoken) return { answer: say('Who do you mean?') };
  const person = findPerson(people(), spoken);
  if (!person) return { answer: say(`I don't know anyone called ${spoken}.`) };
  return { person };
}

function isHome(request) {
  const { person, answer } = personNamed(request);
  if (answer) return answer;
  return say(person.state === 'home' ? `Yes, ${person.name} is home.` : `No, ${person.name} is not home.`);
}

function where(request) {
  const { person, answer } = personNamed(request);
  if (answer) return answer;
  const place = whereabouts(person, states(['zone']));
  if (place === 'home') return say(`${person.name} is home.`);
  if (place) return say(`${person.name} is ${place}.`);
  const elsewhere = outside(person);
  if (elsewhere) return say(`${person.name} is at ${elsewhere}, says your presence service.`);
  return say(`${person.name} is away.`);
}

const ROUTES = {
  'skill:WhoIsHome': whoIsHome,
  'skill:IsPersonHome': isHome,
  'skill:WherePerson': where,
};

/// A Home Assistant error thrown by an import, as the handler's failure.
function failure(error) {
  const payload = error && error.payload;
  if (payload && payload.tag === 'denied') return { tag: 'denied', val: payload.val };
  if (payload && payload.tag) return { tag: 'home-assistant', val: payload };
  return { tag: 'internal', val: String(error) };
}

export const handler = {
  handle(invocation) {
    const route = ROUTES[invocation.route];
    if (!route) throw { tag: 'unsupported', val: `presence does not handle ${invocation.route}` };
    let request;
    try {
      request = JSON.parse(invocation.event).request || {};
    } catch (error) {
      throw { tag: 'invalid-request', val: `event is not JSON: ${error}` };
    }
    try {
      return route(request);
    } catch (error) {
      throw failure(error);
    }
  },
};
