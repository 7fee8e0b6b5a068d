// `{{id}}`: a lee extension component (JavaScript, componentize-js). It answers
// `{{route}}`; add routes to ROUTES and to the `routes` of its manifest entry together.

import { log } from 'lee:gateway/log@{{wit_version}}';

function say(text) {
  return JSON.stringify({
    version: '1.0',
    response: { outputSpeech: { type: 'PlainText', text }, shouldEndSession: true },
  });
}

const ROUTES = {
  '{{route}}': () => {
    log('info', '{{id}} answered', []);
    return say('Hello from {{id}}.');
  },
};

export const handler = {
  handle(invocation) {
    const route = ROUTES[invocation.route];
    if (!route) throw { tag: 'unsupported', val: `{{id}} does not handle ${invocation.route}` };
    return route(JSON.parse(invocation.event).request || {});
  },
};
