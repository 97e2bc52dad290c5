// Backstream's dashboard: polls GET /models every second and draws each model's learning curve with uPlot.
// Every text from the server (model ids are user input) is set with textContent, never as HTML.
'use strict';
(() => {
  const POLL_MS = 1000;
  const MAX_POINTS = 2000; // per chart; the oldest are dropped first
  // Polling sees only the latest metrics: when they come more often than once a second, the points in between are
  // fetched from GET /models/{id}'s history, at most this often while the model changes (and once after it stops).
  const HISTORY_MS = 5000;
  const cards = new Map(); // model id -> card state
  const list = document.getElementById('models');
  const template = document.getElementById('card-template');
  const status = document.getElementById('status');

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok) {
      throw new Error(url + ': HTTP ' + response.status);
    }
    return response.json();
  }

  const isRegression = (metrics) => metrics && metrics.kind === 'regression';
  // The learning curve: window accuracy for a classifier, window RMSE for a regressor (null until predictions arrive).
  const curve = (metrics) => {
    const value = isRegression(metrics) ? metrics.windowRmse : metrics.windowAccuracy;
    return typeof value === 'number' && isFinite(value) ? value : null;
  };
  const fixed = (value, digits) => (typeof value === 'number' && isFinite(value) ? value.toFixed(digits) : '–');

  function field(card, name) {
    return card.element.querySelector('[data-field="' + name + '"]');
  }

  function setText(card, name, text, value) {
    const element = field(card, name);
    element.textContent = text;
    if (value !== undefined) {
      element.dataset.value = value === null ? '' : String(value);
    }
  }

  function createCard(model) {
    const element = template.content.firstElementChild.cloneNode(true);
    element.dataset.model = model.id;
    const after = [...list.children].find((other) => other.dataset.model > model.id); // cards sorted by model id
    list.insertBefore(element, after || null);
    const card = { id: model.id, element, history: [], chart: null, kind: null, seeded: false, seeding: false, seededAt: 0, changed: false };
    card.container = element.querySelector('.chart');
    cards.set(model.id, card);
    seed(card);
    return card;
  }

  // A reload starts from history: GET /models/{id}'s recentMetrics (oldest first), merged with what polling added meanwhile.
  async function seed(card) {
    card.seeding = true;
    card.changed = false;
    card.seededAt = Date.now();
    try {
      const detail = await getJson('/models/' + encodeURIComponent(card.id));
      merge(card, detail.recentMetrics || []);
    } catch (error) {
      console.warn('no history for model', card.id, error);
    }
    card.seeding = false;
    card.seeded = true;
    draw(card);
  }

  function merge(card, metricsList) {
    let changed = false;
    for (const metrics of metricsList) {
      if (!metrics || typeof metrics.timestamp !== 'number') {
        continue;
      }
      const last = card.history[card.history.length - 1];
      if (!last || metrics.timestamp > last.timestamp) {
        card.history.push(metrics);
        changed = true;
      } else if (!card.history.some((known) => known.timestamp === metrics.timestamp)) {
        card.history.push(metrics);
        card.history.sort((a, b) => a.timestamp - b.timestamp);
        changed = true;
      }
    }
    if (card.history.length > MAX_POINTS) {
      card.history.splice(0, card.history.length - MAX_POINTS);
    }
    return changed;
  }

  function update(card, model) {
    card.element.classList.remove('gone');
    setText(card, 'id', model.id);
    setText(card, 'architecture', model.architecture || '');
    const optimizer = model.optimizer || {};
    const loss = model.loss && !(model.architecture || '').includes(model.loss) ? model.loss : null; // the architecture may name it
    setText(card, 'training', [loss, optimizer.type && optimizer.type + (optimizer.learningRate !== undefined ? ', learning rate ' + optimizer.learningRate : '')]
        .filter(Boolean).join(' · '));
    setText(card, 'modelVersion', String(model.modelVersion), model.modelVersion);
    const owner = model.owner;
    setText(card, 'owner', owner ? owner.instance + ' · p' + owner.partition : '–');

    const metrics = model.metrics;
    if (metrics) {
      card.changed = merge(card, [metrics]) || card.changed;
      const regression = isRegression(metrics);
      card.element.querySelector('.classification').hidden = regression;
      card.element.querySelector('.regression').hidden = !regression;
      setText(card, 'windowAccuracy', fixed(metrics.windowAccuracy, 4), metrics.windowAccuracy ?? null);
      setText(card, 'windowRmse', fixed(metrics.windowRmse, 4), metrics.windowRmse ?? null);
      showDeadLetters(card, metrics.deadLetters || {});
    }
    if (card.seeded) {
      draw(card);
    }
    if (card.changed && card.seeded && !card.seeding && Date.now() - card.seededAt >= HISTORY_MS) {
      seed(card);
    }
  }

  // Δupdates / Δtimestamp between the two latest metrics points.
  function recordsPerSecond(history) {
    if (history.length < 2) {
      return '–';
    }
    const [before, last] = history.slice(-2);
    const seconds = (last.timestamp - before.timestamp) / 1000;
    return seconds > 0 ? String(Math.round((last.updates - before.updates) / seconds)) : '–';
  }

  function showDeadLetters(card, deadLetters) {
    const element = field(card, 'deadLetters');
    const reasons = Object.keys(deadLetters).filter((reason) => deadLetters[reason] > 0).sort();
    element.replaceChildren();
    if (reasons.length === 0) {
      element.textContent = 'none';
      return;
    }
    for (const reason of reasons) {
      const item = document.createElement('span');
      item.className = 'reason';
      item.dataset.reason = reason;
      item.textContent = reason + ' ' + deadLetters[reason];
      element.appendChild(item);
    }
  }

  // The curve and the rate, both from the history.
  function draw(card) {
    setText(card, 'recordsPerSecond', recordsPerSecond(card.history));
    const xs = [];
    const ys = [];
    for (const metrics of card.history) {
      xs.push(metrics.timestamp / 1000);
      ys.push(curve(metrics));
    }
    const kind = card.history.length ? card.history[card.history.length - 1].kind : null;
    if (!card.chart || card.kind !== kind) {
      if (card.chart) {
        card.chart.destroy();
      }
      card.kind = kind;
      card.chart = new uPlot(chartOptions(card, kind), [xs, ys], card.container);
    } else {
      card.chart.setData([xs, ys]);
    }
    card.container.dataset.points = String(ys.filter((y) => y !== null).length);
  }

  function chartOptions(card, kind) {
    const regression = kind === 'regression';
    const axis = { stroke: '#8b949e', grid: { stroke: '#21262d', width: 1 }, ticks: { stroke: '#30363d', width: 1 } };
    return {
      width: Math.max(200, card.container.clientWidth),
      height: card.container.clientHeight || 170,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: (u, min, max) => (min === max ? [min - 30, max + 30] : [min, max]) }, // one point: a minute around it
        y: regression ? { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } : { range: [0, 1] },
      },
      series: [
        {},
        {
          label: regression ? 'window RMSE' : 'window accuracy',
          stroke: regression ? '#f0883e' : '#58a6ff',
          fill: regression ? 'rgba(240,136,62,0.08)' : 'rgba(88,166,255,0.08)',
          width: 2,
          spanGaps: true,
          points: { show: false },
        },
      ],
      axes: [axis, Object.assign({ size: 52, values: (u, values) => values.map((v) => (regression ? String(+v.toPrecision(3)) : v.toFixed(1))) }, axis)],
    };
  }

  function showUnreachable(instances) {
    const element = document.getElementById('unreachable');
    element.hidden = !instances || instances.length === 0;
    element.textContent = element.hidden ? '' : 'Instances not answering (their models are missing): ' + instances.join(', ');
  }

  async function poll() {
    try {
      const answer = await getJson('/models');
      const models = answer.models || [];
      const seen = new Set();
      for (const model of models) {
        seen.add(model.id);
        update(cards.get(model.id) || createCard(model), model);
      }
      for (const [id, card] of cards) {
        if (!seen.has(id)) {
          card.element.classList.add('gone'); // on an instance that does not answer, or removed
        }
      }
      showUnreachable(answer.unreachable);
      document.getElementById('empty').hidden = models.length > 0;
      status.classList.remove('error');
      status.textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (error) {
      status.classList.add('error');
      status.textContent = 'cannot reach the API: ' + error.message;
    }
    setTimeout(poll, POLL_MS);
  }

  new ResizeObserver(() => {
    for (const card of cards.values()) {
      if (card.chart) {
        card.chart.setSize({ width: Math.max(200, card.container.clientWidth), height: card.container.clientHeight || 170 });
      }
    }
  }).observe(list);

  poll();
})();
